"""Who may read personal data: the user and administrators, by every path."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from bson import ObjectId
from pymongo import MongoClient
from starlette.testclient import TestClient

from auth.emails import normalise_email
from resolvers.global_ids import from_global_id, to_global_id
from server.app import create_app
from server.demo.build import DEMO_ADMIN, DEMO_INSTRUCTOR, DEMO_PASSWORD, DEMO_STUDENT, build_demo
from server.settings import Settings
from tests.command_counter import CommandCounter
from tests.graphql_client import gql

PRIVATE = "email phone nationalId dateOfBirth"
LOG_IN = """mutation($email: String!, $password: String!) {
  userLogIn(input: {email: $email, password: $password}) {
    __typename ... on AuthPayload { accessToken user { id } } } }"""


def expected_profiles() -> dict[ObjectId, dict[str, Any]]:
    return {
        u.doc["_id"]: {
            "email": normalise_email(u.email),
            "phone": u.phone,
            "nationalId": u.national_id,
            "dateOfBirth": u.date_of_birth.isoformat(),
        }
        for u in build_demo(42).users
    }


EXPECTED = expected_profiles()
EMAILS = {profile["email"]: user_id for user_id, profile in EXPECTED.items()}


def log_in(client: TestClient, email: str) -> str:
    body = gql(client, LOG_IN, {"email": email, "password": DEMO_PASSWORD})
    result = body["data"]["userLogIn"]
    assert result["__typename"] == "AuthPayload", body
    token: str = result["accessToken"]
    return token


@pytest.fixture(scope="module")
def tokens(seeded_client: TestClient) -> dict[str, str | None]:
    return {
        "self": log_in(seeded_client, DEMO_STUDENT),
        "admin": log_in(seeded_client, DEMO_ADMIN),
        "other": log_in(seeded_client, DEMO_INSTRUCTOR),
        "anonymous": None,
    }


@pytest.fixture(scope="module")
def raw(seeded_settings: Settings) -> Iterator[Any]:
    client: MongoClient[dict[str, Any]] = MongoClient(seeded_settings.database_uri())
    yield client[seeded_settings.database_name]
    client.close()


STUDENT_ID = EMAILS[DEMO_STUDENT]


def _assert_forbidden(body: dict[str, Any], user: dict[str, Any] | None) -> None:
    assert user is not None
    for field in PRIVATE.split():
        assert user[field] is None
    codes = {e["extensions"]["code"] for e in body["errors"]}
    assert codes == {"FORBIDDEN"}
    assert len(body["errors"]) == 4
    text = str(body)
    for value in EXPECTED[STUDENT_ID].values():
        assert value not in text


@pytest.mark.parametrize("viewer", ["self", "admin", "other", "anonymous"])
def test_through_node(
    seeded_client: TestClient, tokens: dict[str, str | None], viewer: str
) -> None:
    query = f"query($id: ID!) {{ node(id: $id) {{ ... on User {{ displayName {PRIVATE} }} }} }}"
    body = gql(seeded_client, query, {"id": to_global_id("User", STUDENT_ID)}, token=tokens[viewer])
    user = body["data"]["node"]
    if viewer in {"self", "admin"}:
        assert "errors" not in body, body
        assert {k: user[k] for k in PRIVATE.split()} == EXPECTED[STUDENT_ID]
    else:
        _assert_forbidden(body, user)
        assert user["displayName"]  # the public profile is still there


@pytest.mark.parametrize("viewer", ["self", "admin", "other", "anonymous"])
def test_through_nested_paths(
    seeded_client: TestClient, raw: Any, tokens: dict[str, str | None], viewer: str
) -> None:
    # A course the demo student reviewed, to reach them as Review.author.
    published = raw.courses.distinct("_id", {"published": True})
    review = raw.reviews.find_one({"authorId": STUDENT_ID, "courseId": {"$in": published}})
    assert review is not None, "seed 42 gives the demo student a review of a published course"
    course = raw.courses.find_one({"_id": review["courseId"]})
    query = f"""query($slug: String!) {{ course(slug: $slug) {{
        reviews(first: 100) {{ edges {{ node {{ author {{ id {PRIVATE} }} }} }} }} }} }}"""
    body = gql(seeded_client, query, {"slug": course["slug"]}, token=tokens[viewer])
    authors = [e["node"]["author"] for e in body["data"]["course"]["reviews"]["edges"]]
    mine = [a for a in authors if a["id"] == to_global_id("User", STUDENT_ID)]
    others = [a for a in authors if a["id"] != to_global_id("User", STUDENT_ID)]
    assert len(mine) == 1
    if viewer in {"self", "admin"}:
        assert {k: mine[0][k] for k in PRIVATE.split()} == EXPECTED[STUDENT_ID]
    else:
        assert all(mine[0][k] is None for k in PRIVATE.split())
    if viewer == "admin":
        for author in others:
            user_id = from_global_id(author["id"]).id
            assert {k: author[k] for k in PRIVATE.split()} == EXPECTED[user_id]
    else:
        assert all(a[k] is None for a in others for k in PRIVATE.split())
        errors = body.get("errors", [])
        assert errors
        assert {e["extensions"]["code"] for e in errors} == {"FORBIDDEN"}


def test_session_instructor_is_private_to_others(
    seeded_client: TestClient, tokens: dict[str, str | None]
) -> None:
    query = """{ courses(first: 3) { edges { node { sessions(first: 2) { edges { node {
        instructor { displayName email } } } } } } } }"""
    body = gql(seeded_client, query, token=tokens["self"])
    instructors = [
        s["node"]["instructor"]
        for c in body["data"]["courses"]["edges"]
        for s in c["node"]["sessions"]["edges"]
    ]
    assert instructors
    assert all(i["email"] is None and i["displayName"] for i in instructors)
    assert {e["extensions"]["code"] for e in body["errors"]} == {"FORBIDDEN"}


@pytest.mark.parametrize("viewer", ["self", "admin", "other"])
def test_viewer_sees_their_own_data(
    seeded_client: TestClient, tokens: dict[str, str | None], viewer: str
) -> None:
    body = gql(seeded_client, f"{{ viewer {{ id {PRIVATE} }} }}", token=tokens[viewer])
    assert "errors" not in body, body
    me = body["data"]["viewer"]
    user_id = EMAILS[{"self": DEMO_STUDENT, "admin": DEMO_ADMIN, "other": DEMO_INSTRUCTOR}[viewer]]
    assert me["id"] == to_global_id("User", user_id)
    assert {k: me[k] for k in PRIVATE.split()} == EXPECTED[user_id]
    assert date.fromisoformat(me["dateOfBirth"]).isoformat() == me["dateOfBirth"]


USERS = f"query($first: Int!) {{ users(first: $first) {{ edges {{ node {{ id {PRIVATE} }} }} }} }}"


def test_admin_lists_every_user_with_personal_data(
    seeded_client: TestClient, tokens: dict[str, str | None]
) -> None:
    body = gql(seeded_client, USERS, {"first": 100}, token=tokens["admin"])
    assert "errors" not in body, body
    rows = [e["node"] for e in body["data"]["users"]["edges"]]
    assert len(rows) == len(EXPECTED)
    got = {row["email"]: {k: row[k] for k in PRIVATE.split()} for row in rows}
    assert got == {p["email"]: p for p in EXPECTED.values()}


@pytest.mark.parametrize(
    ("viewer", "code"), [("other", "FORBIDDEN"), ("anonymous", "UNAUTHENTICATED")]
)
def test_only_admins_list_users(
    seeded_client: TestClient, tokens: dict[str, str | None], viewer: str, code: str
) -> None:
    body = gql(seeded_client, USERS, {"first": 5}, token=tokens[viewer])
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == [code]


def test_a_page_of_users_costs_a_key_lookup_per_data_key_whatever_its_size(
    seeded_settings: Settings,
) -> None:
    counter = CommandCounter()
    with TestClient(create_app(seeded_settings, event_listeners=[counter])) as client:
        token = log_in(client, DEMO_ADMIN)
        lookups = []
        for first in (5, 70):
            # A fresh cipher cache per page would be the worst case; the app's cipher
            # warmed its keys at start, so count what the pages themselves cost.
            counter.reset()
            body = gql(client, USERS, {"first": first}, token=token)
            assert "errors" not in body, body
            assert len(body["data"]["users"]["edges"]) == first
            lookups.append(counter.key_vault_finds)
        assert lookups[0] == lookups[1] <= 2
