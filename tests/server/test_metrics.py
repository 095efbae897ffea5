"""Prometheus metrics at /metrics: what they count, and who may read them."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from server.app import create_app
from server.settings import Settings
from tests.operations import operation

TOKEN = "a-scraper-token-of-some-length"
CAMPUSES = "query Campuses { campuses { id } }"


def samples(
    client: TestClient, **headers: str
) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    found = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


@pytest.fixture
def client(make_settings: Callable[..., Settings], fresh_db_name: str) -> Iterator[TestClient]:
    settings = make_settings(fresh_db_name, rate_limit_points=200, max_query_cost=100)
    with TestClient(create_app(settings)) as client:
        yield client


def test_operations_errors_costs_and_refusals_are_counted(client: TestClient) -> None:
    for _ in range(2):
        client.post("/graphql", json={"query": CAMPUSES})
    client.post("/graphql", json={"query": "query Bad { nope }"})
    courses = "query Courses { courses(first: 30) { edges { node { id } } } }"  # costs 90
    statuses = [client.post("/graphql", json={"query": courses}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]

    found = samples(client)
    campuses = (("operation_name", "Campuses"), ("operation_type", "query"))
    assert found[("leeto_graphql_operation_duration_seconds_count", campuses)] == 2
    assert found[("leeto_graphql_errors_total", (("code", "GRAPHQL_VALIDATION_FAILED"),))] == 1
    assert found[("leeto_graphql_errors_total", (("code", "RATE_LIMITED"),))] == 1
    assert found[("leeto_rate_limit_refusals_total", ())] == 1
    assert found[("leeto_graphql_operation_cost_count", ())] == 5  # the invalid one has none
    assert found[("leeto_graphql_operation_cost_sum", ())] == 1 + 1 + 90 * 3
    assert found[("leeto_mongodb_commands_total", (("command", "find"), ("outcome", "ok")))] >= 4
    assert found[("leeto_mongodb_command_duration_seconds_count", (("command", "find"),))] >= 4


def test_dataloader_batches_are_measured(seeded_client: TestClient) -> None:
    seeded_client.post(
        "/graphql", json={"query": operation("catalogue_page"), "variables": {"first": 20}}
    )
    found = samples(seeded_client)
    loader = (("loader", "SessionsByCourseLoader"),)
    assert found[("leeto_dataloader_batch_size_count", loader)] >= 1
    assert found[("leeto_dataloader_batch_size_sum", loader)] >= 20


def test_open_websockets_are_gauged(client: TestClient) -> None:
    gauge = ("leeto_websocket_connections", ())
    assert samples(client)[gauge] == 0
    with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {}})
        assert ws.receive_json() == {"type": "connection_ack"}
        assert samples(client)[gauge] == 1
    assert samples(client)[gauge] == 0


def test_client_chosen_operation_names_are_bounded(client: TestClient) -> None:
    client.post("/graphql", json={"query": "query A { campuses { id } }", "operationName": "x y"})
    names = {dict(labels).get("operation_name") for (_, labels) in samples(client)}
    assert "x y" not in names


def test_metrics_behind_a_bearer_token(
    make_settings: Callable[..., Settings], fresh_db_name: str
) -> None:
    settings = make_settings(fresh_db_name, metrics_token=TOKEN)
    with TestClient(create_app(settings)) as client:
        assert client.get("/metrics").status_code == 401
        wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        assert wrong.headers["WWW-Authenticate"] == "Bearer"
        assert TOKEN not in wrong.text
        assert samples(client, Authorization=f"Bearer {TOKEN}")


def test_metrics_are_off_in_production_unless_asked_for(
    make_settings: Callable[..., Settings],
) -> None:
    production = make_settings("unused", env="production")
    assert production.metrics_access == "off"
    assert make_settings("unused", metrics="off").metrics_access == "off"
    with TestClient(create_app(make_settings("unused", metrics="off"))) as client:
        assert client.get("/metrics").status_code == 404


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"metrics": "token"}, "needs LEETO_METRICS_TOKEN"),
        ({"metrics": "open", "metrics_token": TOKEN}, "LEETO_METRICS is not token"),
        ({"metrics_token": "short"}, "at least 16"),
    ],
)
def test_metrics_settings_are_checked(
    make_settings: Callable[..., Settings], overrides: dict[str, str], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        make_settings("unused", **overrides)
