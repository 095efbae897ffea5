"""POST GraphQL operations to the app under test."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient


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
    return body
