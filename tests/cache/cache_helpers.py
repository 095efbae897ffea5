"""Operations and requests of the response cache tests."""

from __future__ import annotations

from typing import Any

import httpx

from tests.graphql_client import remember_tokens

CATALOGUE = """
query Catalogue($first: Int) {
  courses(first: $first) {
    totalCount
    edges {
      node {
        id title ratingAverage reviewCount
        instructors { id displayName }
        sessions(first: 10) { edges { node { id seatsLeft waitlistLength } } }
        reviews(first: 10) { edges { node { rating author { displayName } } } }
      }
    }
  }
}
"""


async def post(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    token: str | None = None,
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    assert response.status_code == 200, response.text
    remember_tokens(response.json())
    return response


async def data(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    token: str | None = None,
) -> tuple[str | None, dict[str, Any]]:
    """The X-Cache header and the data of a response without errors."""
    response = await post(client, query, variables, token=token)
    body = response.json()
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]
    return response.headers.get("X-Cache"), result


async def mutate(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any], *, token: str
) -> dict[str, Any]:
    status, result = await data(client, query, variables, token=token)
    assert status is None  # mutations never go through the cache
    payload: dict[str, Any] = next(iter(result.values()))
    assert "code" not in payload, payload
    return payload
