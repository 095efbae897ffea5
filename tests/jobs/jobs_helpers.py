"""Students with known addresses, sessions and the operations the jobs tests use."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from bson import ObjectId
from pymongo.database import Database

from resolvers.global_ids import from_global_id, to_global_id
from tests.accounts.accounts_helpers import PASSWORD, SIGN_UP, unique_email
from tests.enrollment.enrollment_helpers import CANCEL, ENROLL, insert_course
from tests.graphql_client import remember_tokens

SESSION_CANCEL = """
mutation Cancel($input: SessionCancelInput!) {
  sessionCancel(input: $input) { __typename ... on MutationError { code message } }
}
"""
JOB_FAILURES = """
query Failures($first: Int, $after: String) {
  jobFailures(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id kind attempts lastError failedAt } }
  }
}
"""

Raw = Database[dict[str, Any]]


@dataclass
class Person:
    email: str
    token: str
    user_id: ObjectId


def gql(
    client: httpx.Client,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    token: str | None = None,
) -> dict[str, Any]:
    """One operation, into the app in process (TestClient) or a served process."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    remember_tokens(body)
    return body


def people(client: httpx.Client, count: int, prefix: str = "student") -> list[Person]:
    found = []
    for _ in range(count):
        email = unique_email(prefix)
        variables = {
            "input": {
                "email": email,
                "password": PASSWORD,
                "displayName": "Student",
                "city": "Durban",
            }
        }
        payload = gql(client, SIGN_UP, variables)["data"]["userSignUp"]
        assert payload["__typename"] == "AuthPayload", payload
        found.append(
            Person(email, payload["accessToken"], from_global_id(payload["user"]["id"]).id)
        )
    return found


def make_admin(client: httpx.Client, raw: Raw) -> Person:
    admin = people(client, 1, "admin")[0]
    raw.users.update_one({"_id": admin.user_id}, {"$set": {"roles": ["ADMIN"]}})
    return admin


def new_session(raw: Raw, admin: Person, *, capacity: int, starts_in: timedelta) -> ObjectId:
    now = datetime.now(UTC)
    session_id = ObjectId()
    raw.sessions.insert_one(
        {
            "_id": session_id,
            "courseId": insert_course(raw),
            "mode": "VIRTUAL",
            "campusId": None,
            "startsAt": now + starts_in,
            "endsAt": now + starts_in + timedelta(days=2),
            "capacity": capacity,
            "instructorId": admin.user_id,
            "meetingUrl": "https://meet.example.org/room",
            "createdAt": now,
            "updatedAt": now,
        }
    )
    return session_id


def enroll(client: httpx.Client, person: Person, session_id: ObjectId) -> dict[str, Any]:
    body = gql(
        client,
        ENROLL,
        {"input": {"sessionId": to_global_id("Session", session_id)}},
        token=person.token,
    )
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["sessionEnroll"]["enrollment"]
    return result


def cancel(client: httpx.Client, person: Person, enrollment_gid: str) -> None:
    body = gql(client, CANCEL, {"input": {"enrollmentId": enrollment_gid}}, token=person.token)
    assert body["data"]["enrollmentCancel"]["__typename"] == "EnrollmentPayload", body


def cancel_session(client: httpx.Client, admin: Person, session_id: ObjectId) -> None:
    gid = to_global_id("Session", session_id)
    body = gql(client, SESSION_CANCEL, {"input": {"sessionId": gid}}, token=admin.token)
    assert body["data"]["sessionCancel"]["__typename"] == "SessionPayload", body


def subjects(messages: list[Any]) -> list[str]:
    return [str(m["Subject"]) for m in messages]
