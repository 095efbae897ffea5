"""Bad input gets a clear, typed error: never a 500, never a stack trace."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from bson import ObjectId
from starlette.testclient import TestClient

from resolvers.global_ids import to_global_id
from server.app import MAX_BODY_BYTES
from tests.graphql_client import gql

PREFLIGHT = {"Apollo-Require-Preflight": "true"}
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
    # The preflight header gets a non-JSON body past CSRF prevention to the parser.
    headers = {"content-type": content_type, **PREFLIGHT}
    response = seeded_client.post("/graphql", content=body, headers=headers)
    assert response.status_code == status
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == code
    assert error["message"]
    _assert_clean(response.text)


def test_mutations_over_get_are_refused(seeded_client: TestClient) -> None:
    response = seeded_client.get(
        "/graphql", params={"query": "mutation { __typename }"}, headers=PREFLIGHT
    )
    assert response.status_code == 400
    _assert_clean(response.text)


def test_queries_over_get_work(seeded_client: TestClient) -> None:
    response = seeded_client.get(
        "/graphql", params={"query": "{ campuses { city } }"}, headers=PREFLIGHT
    )
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


@pytest.mark.parametrize("body", [b'"x"', b"42", b"null", b"\xff\xfe{}", b'{"query": "\xff"}'])
def test_json_that_is_not_a_request_is_a_400(seeded_client: TestClient, body: bytes) -> None:
    response = seeded_client.post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods_get_a_json_405(seeded_client: TestClient, method: str) -> None:
    response = seeded_client.request(method, "/graphql", json={"query": "{ campuses { id } }"})
    assert response.status_code == 405
    assert response.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"


def test_syntax_errors_carry_a_code(seeded_client: TestClient) -> None:
    error = _only_error(gql(seeded_client, "{ courses(first: 1 { edges } }"))
    assert error["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    assert error["message"].startswith("Syntax Error")


def test_several_operations_need_an_operation_name(seeded_client: TestClient) -> None:
    document = "query A { campuses { id } } query B { campuses { city } }"
    body = gql(seeded_client, document)
    assert body["data"] is None
    error = _only_error(body)
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "operationName" in error["message"]
    named = seeded_client.post("/graphql", json={"query": document, "operationName": "B"})
    assert "city" in named.json()["data"]["campuses"][0]


def _cursor(payload: object) -> str:
    raw = json.dumps(payload).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    ("order", "cursor"),
    [
        ("NEWEST", _cursor(["course:newest", ["d", 10**18], "0" * 24])),
        ("NEWEST", _cursor(["course:newest", ["d", -(10**18)], "0" * 24])),
        ("TITLE", _cursor(["course:title", ["n", 5], "0" * 24])),
        ("PRICE_LOW_TO_HIGH", _cursor(["course:price", ["s", "cheap"], "0" * 24])),
        ("NEWEST", _cursor(["course:newest", ["d", True], "0" * 24])),
    ],
)
def test_cursors_with_impossible_values_are_refused(
    seeded_client: TestClient, order: str, cursor: str
) -> None:
    query = """query($a: String, $o: CourseOrder!) {
      courses(first: 2, after: $a, orderBy: $o) { edges { cursor } } }"""
    error = _only_error(gql(seeded_client, query, {"a": cursor, "o": order}))
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": "after"}


@pytest.mark.parametrize("when", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"])
def test_start_times_out_of_range_are_refused(seeded_client: TestClient, when: str) -> None:
    query = """query($w: DateTime) {
      courses(first: 2, filter: {startsAfter: $w}) { edges { cursor } } }"""
    error = _only_error(gql(seeded_client, query, {"w": when}))
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": "filter.startsAfter"}


def test_a_start_time_without_zone_is_utc(seeded_client: TestClient) -> None:
    query = """query($w: DateTime) {
      courses(first: 100, filter: {startsAfter: $w}) { edges { cursor } } }"""
    naive = gql(seeded_client, query, {"w": "2026-01-01T00:00:00"})
    aware = gql(seeded_client, query, {"w": "2026-01-01T00:00:00+00:00"})
    assert "errors" not in naive
    assert naive == aware
