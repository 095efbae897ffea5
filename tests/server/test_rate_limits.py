"""Rate limits by cost, over HTTP into the app: headers, extensions.cost, 429."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pydantic import ValidationError
from starlette.testclient import TestClient

from server.app import create_app
from server.devdb import free_port
from server.settings import Settings
from tests.accounts.accounts_helpers import RELAXED, log_in, sign_up, unique_email

CAMPUSES = "query Campuses { campuses { id } }"  # costs 1
COURSES_30 = "query Courses { courses(first: 30) { edges { node { id } } } }"  # 30 x 3 = 90
BUDGET = 200


@pytest.fixture
def limited(make_settings: Callable[..., Settings], fresh_db_name: str) -> Iterator[TestClient]:
    settings = make_settings(fresh_db_name, rate_limit_points=BUDGET, max_query_cost=100, **RELAXED)
    with TestClient(create_app(settings)) as client:
        yield client


def post(client: TestClient, query: str, token: str | None = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post("/graphql", json={"query": query}, headers=headers)


def test_every_operation_is_charged_its_cost(limited: TestClient) -> None:
    first = post(limited, COURSES_30)
    assert first.status_code == 200, first.text
    assert first.headers["X-RateLimit-Limit"] == str(BUDGET)
    assert first.headers["X-RateLimit-Used"] == "90"
    assert first.headers["X-RateLimit-Remaining"] == str(BUDGET - 90)
    reset = int(first.headers["X-RateLimit-Reset"])
    assert time.time() < reset <= time.time() + 3600 + 1
    cost = first.json()["extensions"]["cost"]
    assert cost["requestedQueryCost"] == 90
    assert cost["throttleStatus"]["maximumAvailable"] == BUDGET
    assert cost["throttleStatus"]["currentlyAvailable"] == BUDGET - 90

    second = post(limited, CAMPUSES)  # a cheap operation is still charged a point
    assert second.headers["X-RateLimit-Used"] == "91"
    assert second.json()["extensions"]["cost"]["requestedQueryCost"] == 1
    assert second.headers["X-RateLimit-Reset"] == str(reset)


def test_over_budget_is_429_with_retry_after_and_charges_nothing(limited: TestClient) -> None:
    for _ in range(2):
        assert post(limited, COURSES_30).status_code == 200  # 180 of 200 used
    refused = post(limited, COURSES_30)
    assert refused.status_code == 429
    body = refused.json()
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert "90 points" in error["message"]
    retry_after = int(refused.headers["Retry-After"])
    assert 0 < retry_after <= 3600
    assert error["extensions"]["retryAfterSeconds"] == retry_after
    assert refused.headers["X-RateLimit-Remaining"] == "20"
    assert refused.headers["X-RateLimit-Used"] == "180"
    assert body["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] == 20

    cheap = post(limited, CAMPUSES)  # what is left still serves what fits
    assert cheap.status_code == 200
    assert cheap.json() == {
        "data": {"campuses": []},
        "extensions": {"cost": cheap.json()["extensions"]["cost"]},
    }
    assert cheap.headers["X-RateLimit-Remaining"] == "19"


def test_refused_operations_are_not_charged(limited: TestClient) -> None:
    invalid = post(limited, "query Bad { nope }")
    assert invalid.status_code == 200
    assert "X-RateLimit-Used" not in invalid.headers
    too_complex = post(limited, "query Big { courses(first: 100) { edges { node { id } } } }")
    assert too_complex.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert post(limited, CAMPUSES).headers["X-RateLimit-Used"] == "1"


def test_a_signed_in_viewer_has_a_budget_of_their_own(limited: TestClient) -> None:
    for _ in range(2):
        post(limited, COURSES_30)
    assert post(limited, COURSES_30).status_code == 429  # this address is spent
    email = unique_email()
    sign_up(limited, email)  # credential mutations cost a point each, which fits
    token = log_in(limited, email)["accessToken"]
    mine = post(limited, COURSES_30, token=token)
    assert mine.status_code == 200
    assert mine.headers["X-RateLimit-Used"] == "90"


def test_no_limit_no_headers(make_settings: Callable[..., Settings], fresh_db_name: str) -> None:
    with TestClient(create_app(make_settings(fresh_db_name, rate_limit_points=0))) as client:
        response = post(client, CAMPUSES)
    assert response.status_code == 200
    assert "X-RateLimit-Limit" not in response.headers
    assert response.json() == {"data": {"campuses": []}}


def test_a_budget_smaller_than_one_allowed_operation_is_refused() -> None:
    with pytest.raises(ValidationError, match="LEETO_RATE_LIMIT_POINTS"):
        Settings(rate_limit_points=1000, max_query_cost=25_000)
    with pytest.raises(ValidationError, match="LEETO_REDIS_URL"):
        Settings(redis_url="http://127.0.0.1:6379")


def test_apps_sharing_redis_share_one_budget(
    make_settings: Callable[..., Settings], fresh_db_name: str, redis_url: str
) -> None:
    settings = make_settings(
        fresh_db_name, rate_limit_points=BUDGET, max_query_cost=100, redis_url=redis_url
    )
    with TestClient(create_app(settings)) as one, TestClient(create_app(settings)) as two:
        assert post(one, COURSES_30).headers["X-RateLimit-Used"] == "90"
        assert post(two, COURSES_30).headers["X-RateLimit-Used"] == "180"
        refused = post(one, COURSES_30)
        assert refused.status_code == 429
        assert refused.headers["X-RateLimit-Remaining"] == "20"


def test_unreachable_redis_serves_and_warns(
    make_settings: Callable[..., Settings],
    fresh_db_name: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    closed_port = free_port()
    settings = make_settings(
        fresh_db_name,
        rate_limit_points=BUDGET,
        max_query_cost=100,
        redis_url=f"redis://127.0.0.1:{closed_port}/0",
    )
    with TestClient(create_app(settings)) as client:
        response = post(client, CAMPUSES)
    assert response.status_code == 200
    assert response.json() == {"data": {"campuses": []}}
    assert "X-RateLimit-Limit" not in response.headers
    assert "rate-limit storage unavailable" in caplog.text


def test_browsers_on_allowed_origins_may_read_the_headers(
    make_settings: Callable[..., Settings], fresh_db_name: str
) -> None:
    settings = make_settings(
        fresh_db_name,
        rate_limit_points=BUDGET,
        max_query_cost=100,
        cors_origins="https://app.example.com",
    )
    with TestClient(create_app(settings)) as client:
        response = client.post(
            "/graphql", json={"query": CAMPUSES}, headers={"Origin": "https://app.example.com"}
        )
    exposed = response.headers["Access-Control-Expose-Headers"]
    for header in ("X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After"):
        assert header in exposed


def test_websocket_operations_are_charged_too(limited: TestClient) -> None:
    with limited.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {}})
        assert ws.receive_json() == {"type": "connection_ack"}
        payloads = []
        for number in range(3):
            ws.send_json({"type": "subscribe", "id": str(number), "payload": {"query": COURSES_30}})
            message = ws.receive_json()
            assert message["type"] == "next", message
            assert ws.receive_json() == {"id": str(number), "type": "complete"}
            payloads.append(message["payload"])
    assert [p["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] for p in payloads] == [
        110,
        20,
        20,
    ]
    assert payloads[2]["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert post(limited, COURSES_30).status_code == 429  # one budget for the address
