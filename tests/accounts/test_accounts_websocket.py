"""GraphQL over WebSocket: the access token arrives in the connection_init payload."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from tests.accounts.accounts_helpers import VIEWER, AccountsApp

PROTOCOL = "graphql-transport-ws"


def _viewer_over_websocket(client: TestClient, payload: dict[str, Any]) -> dict[str, Any]:
    with client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:
        ws.send_json({"type": "connection_init", "payload": payload})
        assert ws.receive_json() == {"type": "connection_ack"}
        ws.send_json({"type": "subscribe", "id": "1", "payload": {"query": VIEWER}})
        message: dict[str, Any] = ws.receive_json()
        assert message["type"] == "next", message
        assert ws.receive_json() == {"id": "1", "type": "complete"}
        return message["payload"]


@pytest.mark.parametrize("key", ["Authorization", "authorization"])
def test_connection_init_carries_the_token(accounts_app: AccountsApp, key: str) -> None:
    signed_up = accounts_app.sign_up()
    payload = {key: f"Bearer {signed_up['accessToken']}"}
    result = _viewer_over_websocket(accounts_app.client, payload)
    assert result["data"]["viewer"]["id"] == signed_up["user"]["id"]


def test_without_a_token_the_connection_is_anonymous(accounts_app: AccountsApp) -> None:
    assert _viewer_over_websocket(accounts_app.client, {}) == {"data": {"viewer": None}}


@pytest.mark.parametrize("authorization", ["Bearer not-a-token", "Basic abc", "Bearer"])
def test_a_bad_token_refuses_the_connection(accounts_app: AccountsApp, authorization: str) -> None:
    with accounts_app.client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"Authorization": authorization}})
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == 4403
