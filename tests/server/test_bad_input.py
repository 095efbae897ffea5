"""Bad input gets a clear, typed error: never a 500, never a stack trace."""

from __future__ import annotations

import json
from typing import Any

import pytest
from bson import ObjectId
from starlette.testclient import TestClient

from resolvers.global_ids import to_global_id
from server.app import MAX_BODY_BYTES
from tests.graphql_client import gql

LEAKS = ("Traceback", 'File "', "pymongo", "bson", "strawberry/", ".py")


def _assert_clean(text: str) -> None:
    for leak in LEAKS:
        assert leak not in text, f"{leak!r} leaked into {text!r}"


@pytest.mark.parametrize(
    ("content_type", "body", "status", "code"),
    [
        ("application/json", b"{not json", 400, "BAD_REQUEST"),
        ("application/json", b"[]", 400, "BAD_REQUEST"),
        ("application/json", b'{"query": 5}', 400, "BAD_REQUEST"),
        ("application/json", b'{"variables": {}}', 400, "BAD_REQUEST"),
        ("text/plain", b'{"query": "{ campuses { id } }"}', 415, "UNSUPPORTED_MEDIA_TYPE"),
    ],
)
def test_malformed_requests_are_400s_in_graphql_shape(
    seeded_client: TestClient, content_type: str, body: bytes, status: int, code: str
) -> None:
    response = seeded_client.post("/graphql", content=body, headers={"content-type": content_type})
    assert response.status_code == status
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == code
    assert error["message"]
    _assert_clean(response.text)


def test_mutations_over_get_are_refused(seeded_client: TestClient) -> None:
    response = seeded_client.get("/graphql", params={"query": "mutation { __typename }"})
    assert response.status_code == 400
    _assert_clean(response.text)


def test_queries_over_get_work(seeded_client: TestClient) -> None:
    response = seeded_client.get("/graphql", params={"query": "{ campuses { city } }"})
    assert response.status_code == 200
    assert len(response.json()["data"]["campuses"]) >= 6


def test_oversized_bodies_are_refused(seeded_client: TestClient) -> None:
    query = json.dumps({"query": "{ campuses { id } }", "pad": "x" * (MAX_BODY_BYTES + 1)})
    response = seeded_client.post(
        "/graphql", content=query, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


def _only_error(body: dict[str, Any]) -> dict[str, Any]:
    assert len(body["errors"]) == 1, body
    error: dict[str, Any] = body["errors"][0]
    _assert_clean(json.dumps(body))
    return error


def test_unknown_fields_fail_validation(seeded_client: TestClient) -> None:
    error = _only_error(gql(seeded_client, "{ courses(first: 1) { edges { node { secret } } } }"))
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "secret" in error["message"]


def test_bad_variables_are_named(seeded_client: TestClient) -> None:
    query = "query($first: Int!) { courses(first: $first) { edges { cursor } } }"
    error = _only_error(gql(seeded_client, query, {"first": "ten"}))
    assert "$first" in error["message"]


@pytest.mark.parametrize("first", [0, -1, 101, 10_000])
def test_first_out_of_range(seeded_client: TestClient, first: int) -> None:
    query = "query($first: Int!) { courses(first: $first) { edges { cursor } } }"
    error = _only_error(gql(seeded_client, query, {"first": first}))
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": "first"}
    assert "between 1 and 100" in error["message"]


def test_nested_first_out_of_range(seeded_client: TestClient) -> None:
    query = "{ courses(first: 1) { edges { node { sessions(first: 500) { edges { cursor } } } } } }"
    body = gql(seeded_client, query)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert body["errors"][0]["path"] == ["courses", "edges", 0, "node", "sessions"]


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "",
        "W10",  # base64 of []
        "WyJzZXNzaW9uOnN0YXJ0c0F0IixbInMiLCJ4Il0sIjAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMCJd",
        "x" * 600,
    ],
)
def test_invalid_cursors_are_refused(seeded_client: TestClient, cursor: str) -> None:
    query = "query($a: String) { courses(first: 5, after: $a) { edges { cursor } } }"
    error = _only_error(gql(seeded_client, query, {"a": cursor}))
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert error["extensions"]["argument"] == "after"


def test_cursor_of_another_ordering_is_refused(seeded_client: TestClient) -> None:
    query = """query($a: String, $o: CourseOrder!) {
      courses(first: 2, after: $a, orderBy: $o) { pageInfo { endCursor } } }"""
    cursor = gql(seeded_client, query, {"o": "TITLE"})["data"]["courses"]["pageInfo"]["endCursor"]
    error = _only_error(gql(seeded_client, query, {"o": "PRICE_LOW_TO_HIGH", "a": cursor}))
    assert "another ordering" in error["message"]


@pytest.mark.parametrize(
    "global_id",
    [
        "abc",
        "",
        to_global_id("Nope", ObjectId()),
        "Q291cnNlOm5vdGFuaWQ",  # "Course:notanid"
        "%%%%",
    ],
)
def test_invalid_global_ids_are_refused(seeded_client: TestClient, global_id: str) -> None:
    body = gql(seeded_client, "query($id: ID!) { node(id: $id) { id } }", {"id": global_id})
    error = _only_error(body)
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": "id"}
    assert body["data"] == {"node": None}


def test_campus_filter_needs_a_campus_id(seeded_client: TestClient) -> None:
    course_id = to_global_id("Course", ObjectId())
    query = "query($c: ID) { courses(first: 1, filter: {campusId: $c}) { edges { cursor } } }"
    error = _only_error(gql(seeded_client, query, {"c": course_id}))
    assert error["extensions"]["argument"] == "filter.campusId"


def test_too_many_node_ids(seeded_client: TestClient) -> None:
    ids = [to_global_id("Course", ObjectId()) for _ in range(101)]
    error = _only_error(
        gql(seeded_client, "query($i: [ID!]!) { nodes(ids: $i) { id } }", {"i": ids})
    )
    assert error["extensions"]["argument"] == "ids"


def test_overly_deep_queries_are_refused(seeded_client: TestClient) -> None:
    inner = "slug"
    for _ in range(4):
        inner = "sessions { edges { node { course { " + inner + " } } } }"
    deep = "{ courses(first: 1) { edges { node { " + inner + " } } } }"
    error = _only_error(gql(seeded_client, deep))
    assert "depth" in error["message"]


def test_long_search_is_refused(seeded_client: TestClient) -> None:
    query = "query($s: String) { courses(first: 1, filter: {search: $s}) { edges { cursor } } }"
    error = _only_error(gql(seeded_client, query, {"s": "a" * 201}))
    assert error["extensions"]["argument"] == "filter.search"
