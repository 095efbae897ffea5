"""GraphQL over WebSocket: the access token arrives in the connection_init payload."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from resolvers.global_ids import from_global_id
from server.auth_setup import access_tokens_from
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


def _operation(ws: Any, op_id: str, query: str) -> dict[str, Any]:
    ws.send_json({"type": "subscribe", "id": op_id, "payload": {"query": query}})
    message: dict[str, Any] = ws.receive_json()
    assert message["type"] == "next", message
    assert ws.receive_json() == {"id": op_id, "type": "complete"}
    payload: dict[str, Any] = message["payload"]
    return payload


def test_each_operation_checks_the_token_again(accounts_app: AccountsApp) -> None:
    signed_up = accounts_app.sign_up()
    user_id = from_global_id(signed_up["user"]["id"]).id
    tokens = access_tokens_from(accounts_app.settings)
    # Valid now only thanks to the verification leeway, expired two seconds later.
    leeway = timedelta(seconds=30)
    issued_at = datetime.now(UTC) - tokens.ttl - leeway + timedelta(seconds=1.5)
    token = tokens.issue(str(user_id), ["STUDENT"], now=issued_at).token
    with accounts_app.client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
        assert ws.receive_json() == {"type": "connection_ack"}
        assert _operation(ws, "1", VIEWER)["data"]["viewer"]["id"] == signed_up["user"]["id"]
        time.sleep(2.5)
        expired = _operation(ws, "2", VIEWER)
    assert expired["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "expired" in expired["errors"][0]["message"]
    assert expired["errors"][0]["extensions"]["reason"] == "TOKEN_EXPIRED"


def test_each_operation_reads_current_roles_and_data(accounts_app: AccountsApp) -> None:
    admin_email = "ws-admin@example.org"
    signed_up = accounts_app.sign_up(admin_email)
    accounts_app.db.users.update_one({}, {"$set": {"roles": ["ADMIN"]}})
    token = accounts_app.log_in(admin_email)["accessToken"]
    users = "{ users(first: 5) { edges { node { displayName } } } }"
    with accounts_app.client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
        assert ws.receive_json() == {"type": "connection_ack"}
        listed = _operation(ws, "1", users)
        assert listed["data"]["users"]["edges"][0]["node"]["displayName"] == "Test User"
        accounts_app.db.users.update_one(
            {}, {"$set": {"roles": ["STUDENT"], "displayName": "Renamed"}}
        )
        assert _operation(ws, "2", VIEWER)["data"]["viewer"]["displayName"] == "Renamed"
        demoted = _operation(ws, "3", users)
    assert demoted["data"] is None
    assert demoted["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert signed_up["user"]["id"]
