"""Python's `gql` client over HTTP (httpx) against a real `leeto serve`: documents
validated against the committed schema.graphql, a query, a log-in and a signed-in
enrolment that is then cancelled."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from gql import Client, GraphQLRequest, gql
from gql.client import AsyncClientSession
from gql.transport.exceptions import TransportQueryError
from gql.transport.httpx import HTTPXAsyncTransport
from graphql import GraphQLError

from server.demo.build import DEMO_PASSWORD, DEMO_STUDENT
from tests.cli import ROOT
from tests.graphql_client import remember_tokens
from tests.serving import Served

SCHEMA = (ROOT / "schema.graphql").read_text()

CATALOGUE = gql("""
query GqlCatalogue($first: Int!) {
  courses(first: $first, orderBy: TITLE) {
    pageInfo { hasNextPage endCursor }
    edges { node { id title track priceCents
      sessions(first: 10, upcoming: true) { edges { node {
        id seatsLeft viewerEnrollmentStatus } } } } }
  }
}""")

LOG_IN = gql("""
mutation GqlLogIn($email: String!, $password: String!) {
  userLogIn(input: {email: $email, password: $password}) {
    __typename
    ... on AuthPayload { accessToken user { displayName } }
    ... on MutationError { code message }
  }
}""")

VIEWER = gql("query GqlViewer { viewer { displayName roles } }")

SEATS = gql("""
query GqlSeats($id: ID!) {
  node(id: $id) { ... on Session { seatsLeft viewerEnrollmentStatus } }
}""")

ENROL = gql("""
mutation GqlEnrol($sessionId: ID!) {
  sessionEnroll(input: {sessionId: $sessionId}) {
    __typename
    ... on EnrollmentPayload { enrollment { id status } }
    ... on MutationError { code message }
  }
}""")

CANCEL = gql("""
mutation GqlCancel($enrollmentId: ID!) {
  enrollmentCancel(input: {enrollmentId: $enrollmentId}) {
    __typename
    ... on EnrollmentPayload { enrollment { id status } }
    ... on MutationError { code message }
  }
}""")


@pytest.fixture(autouse=True)
def quiet_gql() -> Iterator[None]:
    """gql logs every payload at DEBUG (passwords, tokens); the suite's log check
    would rightly refuse that, and the payloads are the test's own."""
    logger = logging.getLogger("gql")
    level = logger.level
    logger.setLevel(logging.WARNING)
    yield
    logger.setLevel(level)


@asynccontextmanager
async def _session(url: str, token: str | None = None) -> AsyncIterator[AsyncClientSession]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    transport = HTTPXAsyncTransport(url=f"{url}/graphql", headers=headers, timeout=30)
    # With the schema, gql validates every document locally before sending it.
    client = Client(schema=SCHEMA, transport=transport)
    async with client as session:
        yield session


async def _run(
    session: AsyncClientSession, document: GraphQLRequest, **variables: Any
) -> dict[str, Any]:
    request = GraphQLRequest(document, variable_values=variables)
    result: dict[str, Any] = await session.execute(request)
    remember_tokens(result)
    return result


async def test_gql_queries_logs_in_and_enrols(live_server: Served) -> None:
    async with _session(live_server.url) as anonymous:
        catalogue = await _run(anonymous, CATALOGUE, first=20)
        courses = [edge["node"] for edge in catalogue["courses"]["edges"]]
        assert len(courses) == 20
        assert [c["title"] for c in courses] == sorted(c["title"] for c in courses)
        assert (await _run(anonymous, VIEWER)) == {"viewer": None}

        login = (await _run(anonymous, LOG_IN, email=DEMO_STUDENT, password=DEMO_PASSWORD))[
            "userLogIn"
        ]
        assert login["__typename"] == "AuthPayload", login
        token = login["accessToken"]

        # Signed-in mutations need the token: without it, the server refuses.
        some_session = next(s["node"]["id"] for c in courses for s in c["sessions"]["edges"])
        with pytest.raises(TransportQueryError) as refused:
            await _run(anonymous, ENROL, sessionId=some_session)
        assert refused.value.errors
        assert refused.value.errors[0]["extensions"]["code"] == "UNAUTHENTICATED"

    async with _session(live_server.url, token) as student:
        viewer = (await _run(student, VIEWER))["viewer"]
        assert viewer["displayName"] == login["user"]["displayName"]
        assert "STUDENT" in viewer["roles"]

        courses = [
            e["node"] for e in (await _run(student, CATALOGUE, first=20))["courses"]["edges"]
        ]
        open_session = next(
            s["node"]
            for c in courses
            for s in c["sessions"]["edges"]
            if s["node"]["seatsLeft"] > 0
            and s["node"]["viewerEnrollmentStatus"] in {None, "CANCELLED"}
        )
        enrolled = (await _run(student, ENROL, sessionId=open_session["id"]))["sessionEnroll"]
        assert enrolled["__typename"] == "EnrollmentPayload", enrolled
        enrollment = enrolled["enrollment"]
        assert enrollment["status"] == "ACTIVE"
        assert (await _run(student, SEATS, id=open_session["id"]))["node"] == {
            "seatsLeft": open_session["seatsLeft"] - 1,
            "viewerEnrollmentStatus": "ACTIVE",
        }

        cancelled = (await _run(student, CANCEL, enrollmentId=enrollment["id"]))["enrollmentCancel"]
        assert cancelled == {
            "__typename": "EnrollmentPayload",
            "enrollment": {"id": enrollment["id"], "status": "CANCELLED"},
        }
        assert (await _run(student, SEATS, id=open_session["id"]))["node"] == {
            "seatsLeft": open_session["seatsLeft"],
            "viewerEnrollmentStatus": "CANCELLED",
        }


async def test_gql_validates_against_the_schema_before_sending(live_server: Served) -> None:
    async with _session(live_server.url) as anonymous:
        with pytest.raises(GraphQLError, match="Cannot query field 'nope'"):
            await _run(anonymous, gql("query { courses(first: 1) { nope } }"))
