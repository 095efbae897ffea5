"""Two real `leeto serve` processes share one response cache in a real redis-server:
a response one cached is purged by a write the other made."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from bson import ObjectId
from pymongo import MongoClient

from resolvers.global_ids import to_global_id
from tests.accounts.accounts_helpers import PASSWORD, SIGN_UP, unique_email
from tests.conftest import with_database
from tests.enrollment.enrollment_helpers import ENROLL, insert_course
from tests.graphql_client import remember_tokens
from tests.serving import serve_env, serving_process

SEATS = """
query Seats($id: ID!) { node(id: $id) { ... on Session { seatsLeft } } }
"""


def post(
    base_url: str, query: str, variables: dict[str, Any], token: str | None = None
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpx.post(
        f"{base_url}/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    assert response.status_code == 200, response.text
    remember_tokens(response.json())
    return response


def seats(base_url: str, session: str) -> tuple[str, int]:
    response = post(base_url, SEATS, {"id": session})
    return response.headers["X-Cache"], response.json()["data"]["node"]["seatsLeft"]


def test_a_write_on_one_server_purges_what_another_cached(
    mongo_uri: str, fresh_db_name: str, redis_url: str, data_dir: Path
) -> None:
    uri = with_database(mongo_uri, fresh_db_name)
    raw: MongoClient[dict[str, Any]] = MongoClient(uri, tz_aware=True)
    db = raw[fresh_db_name]
    course_id = insert_course(db)
    session_id, now = ObjectId(), datetime.now(UTC)
    db.sessions.insert_one(
        {
            "_id": session_id,
            "courseId": course_id,
            "mode": "VIRTUAL",
            "campusId": None,
            "startsAt": now + timedelta(days=30),
            "endsAt": now + timedelta(days=31),
            "capacity": 5,
            "instructorId": ObjectId(),
            "meetingUrl": None,
            "createdAt": now,
            "updatedAt": now,
        }
    )
    session = to_global_id("Session", session_id)
    env = serve_env(uri, data_dir, LEETO_REDIS_URL=redis_url, LEETO_RESPONSE_CACHE="true")
    try:
        with serving_process(env) as first, serving_process(env) as second:
            assert seats(first.url, session) == ("MISS", 5)
            assert seats(first.url, session) == ("HIT", 5)
            assert seats(second.url, session) == ("HIT", 5)  # one cache for both

            signed_up = {
                "email": unique_email("shared"),
                "password": PASSWORD,
                "displayName": "Shared",
                "city": "Durban",
            }
            payload = post(second.url, SIGN_UP, {"input": signed_up}).json()
            token = payload["data"]["userSignUp"]["accessToken"]
            enrolled = post(second.url, ENROLL, {"input": {"sessionId": session}}, token=token)
            assert enrolled.json()["data"]["sessionEnroll"]["__typename"] == "EnrollmentPayload"

            assert seats(first.url, session) == ("MISS", 4)
            assert seats(first.url, session) == ("HIT", 4)
    finally:
        raw.drop_database(fresh_db_name)
        raw.close()
