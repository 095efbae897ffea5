"""SIGTERM to a real `leeto serve` mid-request: the request completes, /readyz says
503 meanwhile, WebSockets are closed with 1001, and the process exits."""

from __future__ import annotations

import json
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from tests.serving import Served, serve_env, serving_process
from tests.slow_proxy import SlowProxy

CAMPUSES = "query Campuses { campuses { id } }"
HOLD_SECONDS = 3.0


@contextmanager
def _open_websocket(served: Served) -> Iterator[ClientConnection]:
    url = served.url.replace("http://", "ws://") + "/graphql"
    with connect(url, subprotocols=["graphql-transport-ws"]) as websocket:  # type: ignore[list-item]
        websocket.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(websocket.recv(timeout=10)) == {"type": "connection_ack"}
        yield websocket


def _post_in_background(served: Served, outcome: dict[str, Any]) -> threading.Thread:
    def post() -> None:
        response = httpx.post(f"{served.url}/graphql", json={"query": CAMPUSES}, timeout=30)
        outcome["status"] = response.status_code
        outcome["body"] = response.json()
        outcome["done_at"] = time.monotonic()

    thread = threading.Thread(target=post)
    thread.start()
    return thread


def test_sigterm_lets_the_request_in_flight_finish(
    mongo_uri: str, fresh_db_name: str, data_dir: Path
) -> None:
    upstream = urlsplit(mongo_uri)
    proxy = SlowProxy(upstream.hostname or "127.0.0.1", upstream.port or 27017)
    with proxy.running():
        env = serve_env(
            f"mongodb://127.0.0.1:{proxy.port}/{fresh_db_name}",
            data_dir,
            LEETO_SHUTDOWN_DRAIN_SECONDS="1",
            LEETO_SHUTDOWN_GRACE_SECONDS="20",
            LEETO_LOG_FORMAT="json",
        )
        with serving_process(env) as served, _open_websocket(served) as websocket:
            proxy.find_delay = HOLD_SECONDS
            outcome: dict[str, Any] = {}
            request = _post_in_background(served, outcome)
            assert proxy.held.wait(10), "the request never reached the database"
            sent_at = time.monotonic()
            served.process.send_signal(signal.SIGTERM)

            # Draining: still answering, but not ready; WebSockets told to go away.
            time.sleep(0.3)
            assert httpx.get(f"{served.url}/readyz").json() == {"status": "draining"}
            with pytest.raises(ConnectionClosed) as closed:
                websocket.recv(timeout=10)
            assert closed.value.rcvd is not None
            assert closed.value.rcvd.code == 1001

            request.join(30)
            assert outcome["status"] == 200
            assert outcome["body"]["data"] == {"campuses": []}
            assert outcome["done_at"] - sent_at >= HOLD_SECONDS - 0.5  # held, and waited for

            served.process.wait(30)
            output = served.output()
        with pytest.raises(httpx.TransportError):
            httpx.get(f"{served.url}/healthz", timeout=2)  # the listener is gone
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    messages = [line["message"] for line in lines]
    assert any(m.startswith("shutting down: not ready, closing 1 WebSocket") for m in messages)
    assert "stopped: database client closed" in messages
    assert not [line for line in lines if line["level"] == "error"], messages
