"""CSRF prevention: what a browser can send without a preflight never runs."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

QUERY = "{ campuses { city } }"
REFUSED = 400


def _code(response: object) -> str:
    return response.json()["errors"][0]["extensions"]["code"]  # type: ignore[attr-defined,no-any-return]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Apollo-Require-Preflight": ""},
        {"Apollo-Require-Preflight": "   "},
        {"X-Apollo-Operation-Name": ""},
        {"Content-Type": "application/json"},  # no body: says nothing about the sender
    ],
)
def test_get_queries_need_a_preflight_header(
    seeded_client: TestClient, headers: dict[str, str]
) -> None:
    response = seeded_client.get("/graphql", params={"query": QUERY}, headers=headers)
    assert response.status_code == REFUSED
    assert _code(response) == "BAD_REQUEST"
    assert "cross-site request forgery" in response.json()["errors"][0]["message"]
    assert "data" not in response.json()


@pytest.mark.parametrize(
    "headers", [{"Apollo-Require-Preflight": "true"}, {"X-Apollo-Operation-Name": "Campuses"}]
)
def test_get_queries_with_a_preflight_header_run(
    seeded_client: TestClient, headers: dict[str, str]
) -> None:
    response = seeded_client.get("/graphql", params={"query": QUERY}, headers=headers)
    assert response.status_code == 200
    assert len(response.json()["data"]["campuses"]) >= 6


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "text/plain; charset=utf-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "",
    ],
)
def test_posts_a_form_could_send_are_refused(seeded_client: TestClient, content_type: str) -> None:
    body = b'{"query": "mutation { userLogOut(input: {refreshToken: \\"x\\"}) { __typename } }"}'
    headers = {"content-type": content_type} if content_type else {}
    response = seeded_client.post("/graphql", content=body, headers=headers)
    assert response.status_code == REFUSED
    assert _code(response) == "BAD_REQUEST"


def test_json_posts_need_nothing_more(seeded_client: TestClient) -> None:
    for content_type in ("application/json", "application/json; charset=utf-8"):
        response = seeded_client.post(
            "/graphql",
            content=b'{"query": "{ campuses { id } }"}',
            headers={"content-type": content_type},
        )
        assert response.status_code == 200
        assert response.json()["data"]["campuses"]


def test_the_graphiql_page_is_a_get_without_parameters(seeded_client: TestClient) -> None:
    # Nothing runs on a parameterless GET, so it needs no header (in development it
    # is the GraphiQL page; here GraphiQL is off and the answer is a plain 400).
    response = seeded_client.get("/graphql", headers={"accept": "text/html"})
    assert "cross-site" not in response.text
