"""While the server drains: not ready, no new WebSockets, open ones closed with 1001."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from server.app import create_app
from server.draining import Drain
from server.settings import Settings

PROTOCOL = "graphql-transport-ws"


def test_draining_closes_websockets_and_reports_not_ready(
    make_settings: Callable[..., Settings], fresh_db_name: str
) -> None:
    drain = Drain()
    with TestClient(create_app(make_settings(fresh_db_name), drain=drain)) as client:
        assert client.get("/readyz").status_code == 200
        with client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:
            ws.send_json({"type": "connection_init", "payload": {}})
            assert ws.receive_json() == {"type": "connection_ack"}
            assert drain.open_websockets == 1
            assert client.portal is not None
            client.portal.call(drain.begin)
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive_json()
            assert closed.value.code == 1001

        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json() == {"status": "draining"}
        with (
            pytest.raises(WebSocketDisconnect) as refused,
            client.websocket_connect("/graphql", subprotocols=[PROTOCOL]),
        ):
            pass
        assert refused.value.code == 1001
        # Plain requests are still served until the server stops accepting.
        response = client.post("/graphql", json={"query": "query C { campuses { id } }"})
        assert response.json() == {"data": {"campuses": []}}
    assert drain.open_websockets == 0
