"""What a public page reads from MongoDB: no password hash, no ciphertext.

A command listener keeps every reply the engine sends back (the documents as
they came over the wire), so the test sees what the server fetched, not just
what it chose to show.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import bson
import pytest
from bson import Binary
from pymongo import monitoring
from starlette.testclient import TestClient

from server.app import create_app
from server.demo.build import DEMO_ADMIN, DEMO_PASSWORD
from server.settings import Settings
from tests.command_counter import IGNORED
from tests.graphql_client import gql
from tests.operations import operation

CATALOGUE_PAGE = operation("catalogue_page")
COURSE_DETAIL = """query($slug: String!) { course(slug: $slug) {
  id title description instructors { id displayName bio city roles }
  sessions(first: 10) { edges { node { id instructor { id displayName } campus { city } } } }
  reviews(first: 10) { edges { node { id comment author { id displayName } } } } } }"""
USERS_WITH_EMAIL = "{ users(first: 5) { edges { node { id displayName email } } } }"
LOG_IN = """mutation($e: String!, $p: String!) { userLogIn(input: {email: $e, password: $p}) {
  ... on AuthPayload { accessToken } } }"""
ENCRYPTED = 6  # BSON binary subtype of client-side encrypted values


class ReplyRecorder(monitoring.CommandListener):
    """Every document the app received, with the reply sizes in bytes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.replies: list[dict[str, Any]] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        return

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        if event.command_name in IGNORED:
            return
        with self._lock:
            self.replies.append(dict(event.reply))

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        return

    def reset(self) -> None:
        with self._lock:
            self.replies.clear()

    def documents(self) -> list[dict[str, Any]]:
        with self._lock:
            replies = list(self.replies)
        docs: list[dict[str, Any]] = []
        for reply in replies:
            cursor = reply.get("cursor") or {}
            docs += cursor.get("firstBatch", []) + cursor.get("nextBatch", [])
        return docs

    def reply_bytes(self) -> int:
        with self._lock:
            return sum(len(bson.encode(reply)) for reply in self.replies)


def _secrets_in(value: Any, path: str = "") -> list[str]:
    """Where a password hash or a ciphertext sits inside a received document."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "passwordHash":
                found.append(f"{path}.{key}")
            found += _secrets_in(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += _secrets_in(item, f"{path}[{i}]")
    elif isinstance(value, Binary) and value.subtype == ENCRYPTED:
        found.append(path)
    return found


@pytest.fixture(scope="module")
def recorded(seeded_settings: Settings) -> Iterator[tuple[TestClient, ReplyRecorder]]:
    recorder = ReplyRecorder()
    with TestClient(create_app(seeded_settings, event_listeners=[recorder])) as client:
        yield client, recorder


def _read(client: TestClient, recorder: ReplyRecorder, query: str, **kw: Any) -> list[str]:
    recorder.reset()
    body = gql(client, query, kw.pop("variables", None), token=kw.pop("token", None))
    assert "errors" not in body, body
    docs = recorder.documents()
    assert docs, "the operation read nothing: the check would prove nothing"
    return [where for doc in docs for where in _secrets_in(doc)]


def test_the_catalogue_page_reads_no_password_hash_and_no_ciphertext(
    recorded: tuple[TestClient, ReplyRecorder],
) -> None:
    client, recorder = recorded
    assert _read(client, recorder, CATALOGUE_PAGE, variables={"first": 100}) == []
    # Instructors and review authors were read: they are users.
    assert any("displayName" in doc for doc in recorder.documents())


def test_a_course_page_reads_no_password_hash_and_no_ciphertext(
    recorded: tuple[TestClient, ReplyRecorder],
) -> None:
    client, recorder = recorded
    page = gql(client, "{ courses(first: 1) { edges { node { slug } } } }")
    slug = page["data"]["courses"]["edges"][0]["node"]["slug"]
    assert _read(client, recorder, COURSE_DETAIL, variables={"slug": slug}) == []


def test_personal_data_is_fetched_when_an_administrator_reads_it(
    recorded: tuple[TestClient, ReplyRecorder],
) -> None:
    # The same recorder does see ciphertext where it is decrypted for an allowed
    # reader, so the checks above can fail.
    client, recorder = recorded
    login = gql(client, LOG_IN, {"e": DEMO_ADMIN, "p": DEMO_PASSWORD})
    token = login["data"]["userLogIn"]["accessToken"]
    found = _read(client, recorder, USERS_WITH_EMAIL, token=token)
    assert any(where.endswith(".email") for where in found), found
    assert not any("passwordHash" in where for where in found), found
