"""A subscription sent over plain HTTP is refused with a typed error, not a failure."""

from __future__ import annotations

from starlette.testclient import TestClient

from server.graphql_app import SUBSCRIPTION_OVER_HTTP

SUBSCRIPTION = 'subscription Seats { sessionSeats(sessionId: "U2Vzc2lvbjox") { version } }'
NOT_ONE = "query Subscription { subscription: __typename }"


def test_a_subscription_over_http_is_refused_with_a_typed_error(
    seeded_client: TestClient,
) -> None:
    response = seeded_client.post("/graphql", json={"query": SUBSCRIPTION})
    assert response.status_code == 400
    assert response.json() == {
        "errors": [{"message": SUBSCRIPTION_OVER_HTTP, "extensions": {"code": "BAD_REQUEST"}}]
    }


def test_a_query_that_only_says_subscription_runs(seeded_client: TestClient) -> None:
    response = seeded_client.post("/graphql", json={"query": NOT_ONE})
    assert response.json() == {"data": {"subscription": "Query"}}
