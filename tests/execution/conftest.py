"""Two apps over the same seeded database: queries on the fast path and on graphql-core's."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.demo.build import DEMO_ADMIN, DEMO_INSTRUCTOR, DEMO_PASSWORD, DEMO_STUDENT
from server.settings import Settings
from tests.graphql_client import gql

LOG_IN = """mutation LogIn($email: String!, $password: String!) {
  userLogIn(input: {email: $email, password: $password}) {
    __typename ... on AuthPayload { accessToken } } }"""


class Twins:
    """Sends each operation to both apps, and returns both bodies."""

    def __init__(self, fast: TestClient, standard: TestClient, tokens: dict[str, str | None]):
        self.fast = fast
        self.standard = standard
        self.tokens = tokens

    def both(
        self, query: str, variables: dict[str, Any] | None = None, *, viewer: str = "anonymous"
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        token = self.tokens[viewer]
        return (
            comparable(gql(self.fast, query, variables, token=token)),
            comparable(gql(self.standard, query, variables, token=token)),
        )


def comparable(body: dict[str, Any]) -> dict[str, Any]:
    """The body without what differs between any two requests (the request id)."""
    for error in body.get("errors") or ():
        (error.get("extensions") or {}).pop("requestId", None)
    return body


def _log_in(client: TestClient, email: str) -> str:
    body = gql(client, LOG_IN, {"email": email, "password": DEMO_PASSWORD})
    token: str = body["data"]["userLogIn"]["accessToken"]
    return token


@pytest.fixture(scope="session")
def twins(seeded_settings: Settings) -> Iterator[Twins]:
    standard_settings = seeded_settings.model_copy(update={"fast_execution": False})
    assert seeded_settings.fast_execution
    with (
        TestClient(create_app(seeded_settings)) as fast,
        TestClient(create_app(standard_settings)) as standard,
    ):
        tokens: dict[str, str | None] = {
            "anonymous": None,
            "student": _log_in(fast, DEMO_STUDENT),
            "instructor": _log_in(fast, DEMO_INSTRUCTOR),
            "admin": _log_in(fast, DEMO_ADMIN),
        }
        yield Twins(fast, standard, tokens)


VIEWERS = ("anonymous", "student", "instructor", "admin")
