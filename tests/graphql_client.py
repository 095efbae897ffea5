"""POST GraphQL operations to the app under test."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

# Every token the suite was issued: the suite-wide log check looks for them too.
ISSUED_TOKENS: set[str] = set()
TOKEN_KEYS = frozenset({"accessToken", "refreshToken"})


def remember_tokens(value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if key in TOKEN_KEYS and isinstance(item, str):
                ISSUED_TOKENS.add(item)
            else:
                remember_tokens(item)
    elif isinstance(value, list):
        for item in value:
            remember_tokens(item)


def gql(
    client: TestClient,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    token: str | None = None,
) -> dict[str, Any]:
    """POST a GraphQL operation; return the JSON body (asserting HTTP 200)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    remember_tokens(body)
    return body
