"""GraphQL over HTTP's media types and status codes, over HTTP into the app.

`application/json` (no Accept, `*/*`, or asked for) keeps every well-formed
GraphQL response at 200; `application/graphql-response+json`, when the client
asks for it, answers a request refused before execution with a 4xx and no
`data` entry. The same rules are audited end to end by graphql-http
(tests/clients/test_conformance_audit.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.response_media import GRAPHQL_RESPONSE_JSON, JSON, negotiate
from server.settings import Settings

PREFLIGHT = {"Apollo-Require-Preflight": "1"}
ACCEPT_GRAPHQL = {"accept": GRAPHQL_RESPONSE_JSON}
ACCEPT_JSON = {"accept": JSON}
UNKNOWN_HASH = "0" * 64


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        (None, JSON),
        ("", JSON),
        ("*/*", JSON),
        ("application/*", JSON),
        ("application/json", JSON),
        ("text/html", JSON),
        ("application/graphql-response+json", GRAPHQL_RESPONSE_JSON),
        ("Application/GraphQL-Response+JSON", GRAPHQL_RESPONSE_JSON),
        # Apollo Client 4 and graphql-http's client ask for both, ours first.
        ("application/graphql-response+json, application/json;q=0.9", GRAPHQL_RESPONSE_JSON),
        ("application/graphql-response+json, application/json", GRAPHQL_RESPONSE_JSON),
        ("application/graphql-response+json, */*", GRAPHQL_RESPONSE_JSON),
        ("application/json, application/graphql-response+json;q=0.5", JSON),
        ("application/graphql-response+json;q=0, application/json", JSON),
        ("application/graphql-response+json;q=0", JSON),
        ("application/graphql-response+json;q=nonsense", JSON),
    ],
)
def test_negotiation(accept: str | None, chosen: str) -> None:
    assert negotiate(accept) == chosen


def _post(
    client: TestClient, body: dict[str, Any], headers: dict[str, str]
) -> tuple[int, str, dict[str, Any]]:
    response = client.post("/graphql", json=body, headers=headers)
    assert "accept" in response.headers["vary"].lower()
    return response.status_code, response.headers["content-type"], response.json()


def _codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body["errors"]]


def test_a_query_answers_in_the_media_type_asked_for(seeded_client: TestClient) -> None:
    query = {"query": "{ __typename }"}
    for headers in ({}, {"accept": "*/*"}, ACCEPT_JSON):
        status, media, body = _post(seeded_client, query, headers)
        assert (status, media, body) == (200, JSON, {"data": {"__typename": "Query"}})
    status, media, body = _post(seeded_client, query, ACCEPT_GRAPHQL)
    assert (status, media, body) == (200, GRAPHQL_RESPONSE_JSON, {"data": {"__typename": "Query"}})


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"query": "{"}, "GRAPHQL_PARSE_FAILED"),
        ({"query": "{ noSuchField }"}, "GRAPHQL_VALIDATION_FAILED"),
        # Variables that do not fit their types (coerced before execution).
        (
            {"query": "query Q($id: ID!) { node(id: $id) { id } }", "variables": {"id": None}},
            "GRAPHQL_VALIDATION_FAILED",
        ),
    ],
)
def test_a_document_refused_before_execution(
    seeded_client: TestClient, body: dict[str, Any], code: str
) -> None:
    # application/json: a GraphQL response like any other, 200 with `data: null`.
    status, media, answer = _post(seeded_client, body, ACCEPT_JSON)
    assert (status, media, answer["data"]) == (200, JSON, None)
    assert _codes(answer) == [code]
    # application/graphql-response+json: 400, and no `data` entry at all.
    status, media, answer = _post(seeded_client, body, ACCEPT_GRAPHQL)
    assert (status, media) == (400, GRAPHQL_RESPONSE_JSON)
    assert "data" not in answer
    assert _codes(answer) == [code]


def test_an_operation_that_ran_is_200_with_its_field_errors(seeded_client: TestClient) -> None:
    body = {"query": '{ node(id: "not-a-global-id") { id } }'}
    status, media, answer = _post(seeded_client, body, ACCEPT_GRAPHQL)
    assert (status, media) == (200, GRAPHQL_RESPONSE_JSON)
    assert "data" in answer
    assert answer["errors"][0]["path"] == ["node"]


def test_a_rejected_access_token_is_401(seeded_client: TestClient) -> None:
    body = {"query": "{ campuses { id } }"}
    bearer = {"Authorization": "Bearer not-a-token"}
    status, _, answer = _post(seeded_client, body, {**bearer, **ACCEPT_JSON})
    assert (status, answer["data"], _codes(answer)) == (200, None, ["UNAUTHENTICATED"])
    response = seeded_client.post("/graphql", json=body, headers={**bearer, **ACCEPT_GRAPHQL})
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert "data" not in response.json()
    assert _codes(response.json()) == ["UNAUTHENTICATED"]


@pytest.mark.parametrize("accept", [ACCEPT_JSON, ACCEPT_GRAPHQL])
def test_malformed_requests_are_400_in_the_negotiated_media_type(
    seeded_client: TestClient, accept: dict[str, str]
) -> None:
    media = accept["accept"]
    for content in (
        b'{ "not JSON',
        b'{"query": "{ __typename }", "operationName": 5}',
        b'{"query": "query Q { __typename }", "operationName": "Other"}',
    ):
        response = seeded_client.post(
            "/graphql", content=content, headers={"content-type": JSON, **accept}
        )
        assert (response.status_code, response.headers["content-type"]) == (400, media)
        assert _codes(response.json()) == ["BAD_REQUEST"]
    # Cross-site request forgery prevention: a GET with parameters needs a preflight header.
    response = seeded_client.get("/graphql?query={__typename}", headers=accept)
    assert (response.status_code, response.headers["content-type"]) == (400, media)
    response = seeded_client.get("/graphql?query={__typename}", headers={**accept, **PREFLIGHT})
    assert (response.status_code, response.headers["content-type"]) == (200, media)
    mutation = seeded_client.get(
        "/graphql?query=mutation{__typename}", headers={**accept, **PREFLIGHT}
    )
    assert (mutation.status_code, mutation.headers["content-type"]) == (400, media)


def test_an_unknown_persisted_query_is_never_2xx_without_data(seeded_client: TestClient) -> None:
    body = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": UNKNOWN_HASH}}}
    status, media, answer = _post(seeded_client, body, ACCEPT_JSON)
    assert (status, media, _codes(answer)) == (200, JSON, ["PERSISTED_QUERY_NOT_FOUND"])
    status, media, answer = _post(seeded_client, body, ACCEPT_GRAPHQL)
    assert (status, media) == (404, GRAPHQL_RESPONSE_JSON)
    assert _codes(answer) == ["PERSISTED_QUERY_NOT_FOUND"]


def test_over_the_rate_limit_is_429_without_data(
    make_settings: Callable[..., Settings], fresh_db_name: str
) -> None:
    settings = make_settings(fresh_db_name, rate_limit_points=100, max_query_cost=100)
    query = {"query": "{ courses(first: 30) { edges { node { id } } } }"}  # 90 points
    with TestClient(create_app(settings)) as client:
        assert _post(client, query, ACCEPT_GRAPHQL)[0] == 200
        status, media, answer = _post(client, query, ACCEPT_GRAPHQL)
    assert (status, media) == (429, GRAPHQL_RESPONSE_JSON)
    assert "data" not in answer
    assert _codes(answer) == ["RATE_LIMITED"]
