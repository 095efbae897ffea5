"""Session.meetingUrl and Session.viewerEnrollmentStatus: who sees what."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pymongo import MongoClient
from starlette.testclient import TestClient

from resolvers.global_ids import to_global_id
from server.demo.build import DEMO_ADMIN, DEMO_PASSWORD, build_demo
from server.settings import Settings
from tests.graphql_client import gql
from tests.seating_helpers import enrollments_with_status

EMAILS = {u.doc["_id"]: u.email for u in build_demo(42).users}
SESSION = """query($id: ID!) { node(id: $id) { ... on Session {
    mode meetingUrl viewerEnrollmentStatus } } }"""
LOG_IN = """mutation($e: String!, $p: String!) { userLogIn(input: {email: $e, password: $p}) {
  ... on AuthPayload { accessToken } } }"""


@pytest.fixture(scope="module")
def raw(seeded_settings: Settings) -> Iterator[Any]:
    client: MongoClient[dict[str, Any]] = MongoClient(seeded_settings.database_uri())
    yield client[seeded_settings.database_name]
    client.close()


def _token(client: TestClient, email: str) -> str:
    body = gql(client, LOG_IN, {"e": email, "p": DEMO_PASSWORD})
    token: str = body["data"]["userLogIn"]["accessToken"]
    return token


def _ask(client: TestClient, session: dict[str, Any], email: str | None) -> dict[str, Any]:
    token = _token(client, email) if email else None
    return gql(client, SESSION, {"id": to_global_id("Session", session["_id"])}, token=token)


def _virtual_session_with(raw: Any, status: str) -> tuple[dict[str, Any], Any]:
    for enrollment in enrollments_with_status(raw, status):
        session = raw.sessions.find_one({"_id": enrollment["sessionId"], "mode": "VIRTUAL"})
        course = session and raw.courses.find_one({"_id": session["courseId"], "published": True})
        if course:
            return session, enrollment["userId"]
    raise AssertionError(f"the seed has no virtual session with a {status} enrolment")


@pytest.mark.parametrize("status", ["ACTIVE", "COMPLETED"])
def test_seated_students_get_the_link(seeded_client: TestClient, raw: Any, status: str) -> None:
    session, student = _virtual_session_with(raw, status)
    body = _ask(seeded_client, session, EMAILS[student])
    assert "errors" not in body, body
    assert body["data"]["node"]["meetingUrl"] == session["meetingUrl"]
    assert body["data"]["node"]["viewerEnrollmentStatus"] == status


@pytest.mark.parametrize("status", ["WAITLISTED", "CANCELLED"])
def test_students_without_a_seat_do_not(seeded_client: TestClient, raw: Any, status: str) -> None:
    session, student = _virtual_session_with(raw, status)
    body = _ask(seeded_client, session, EMAILS[student])
    assert body["data"]["node"]["meetingUrl"] is None
    assert body["data"]["node"]["viewerEnrollmentStatus"] == status
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    assert session["meetingUrl"] not in str(body)


def test_strangers_and_anonymous_callers_do_not(seeded_client: TestClient, raw: Any) -> None:
    session, _ = _virtual_session_with(raw, "ACTIVE")
    enrolled = {e["userId"] for e in raw.enrollments.find({"sessionId": session["_id"]})}
    stranger = next(u for u in raw.users.find({"roles": ["STUDENT"]}) if u["_id"] not in enrolled)
    for email in (EMAILS[stranger["_id"]], None):
        body = _ask(seeded_client, session, email)
        assert body["data"]["node"] == {
            "mode": "VIRTUAL",
            "meetingUrl": None,
            "viewerEnrollmentStatus": None,
        }
        assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]


def test_its_instructor_and_admins_do(seeded_client: TestClient, raw: Any) -> None:
    session, _ = _virtual_session_with(raw, "ACTIVE")
    for email in (EMAILS[session["instructorId"]], DEMO_ADMIN):
        body = _ask(seeded_client, session, email)
        assert "errors" not in body, body
        assert body["data"]["node"]["meetingUrl"] == session["meetingUrl"]


def test_in_person_sessions_have_no_link_and_no_error(seeded_client: TestClient, raw: Any) -> None:
    published = raw.courses.distinct("_id", {"published": True})
    session = raw.sessions.find_one({"mode": "IN_PERSON", "courseId": {"$in": published}})
    body = _ask(seeded_client, session, None)
    assert "errors" not in body, body
    assert body["data"]["node"]["meetingUrl"] is None
