"""An operation still running after LEETO_OPERATION_TIMEOUT_SECONDS is stopped,
over HTTP and over a WebSocket."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.settings import Settings
from tests.graphql_client import gql


def test_slow_operations_are_stopped(
    make_settings: Callable[..., Settings], fresh_db_name: str, caplog: pytest.LogCaptureFixture
) -> None:
    # Any wait for MongoDB outlasts a microsecond.
    settings = make_settings(fresh_db_name, operation_timeout_seconds=0.000001)
    with TestClient(create_app(settings)) as client:
        body = gql(client, "{ courses(first: 5) { edges { cursor } } }")
        assert body["data"] is None
        (error,) = body["errors"]
        assert error["extensions"] == {"code": "OPERATION_TIMEOUT"}
        assert "stopped" in error["message"]
        # The database client survives the interrupted command.
        assert client.get("/readyz").status_code == 200
    # Operators find the stopped operation by its request id.
    (line,) = [r.getMessage() for r in caplog.records if "stopped after" in r.getMessage()]
    assert "request " in line


def test_operations_within_the_limit_run(seeded_client: TestClient) -> None:
    body = gql(seeded_client, "{ courses(first: 5) { edges { cursor } } }")
    assert len(body["data"]["courses"]["edges"]) == 5


def test_slow_operations_over_a_websocket_are_stopped(
    make_settings: Callable[..., Settings], fresh_db_name: str
) -> None:
    settings = make_settings(fresh_db_name, operation_timeout_seconds=0.000001)
    with (
        TestClient(create_app(settings)) as client,
        client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws,
    ):
        ws.send_json({"type": "connection_init"})
        assert ws.receive_json() == {"type": "connection_ack"}
        query = "{ courses(first: 5) { edges { cursor } } }"
        ws.send_json({"type": "subscribe", "id": "1", "payload": {"query": query}})
        message = ws.receive_json()
        assert message["type"] == "next", message
        assert message["payload"]["data"] is None
        assert message["payload"]["errors"][0]["extensions"] == {"code": "OPERATION_TIMEOUT"}
        assert ws.receive_json() == {"id": "1", "type": "complete"}
