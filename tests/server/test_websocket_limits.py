"""`leeto serve` closes a WebSocket whose message is over LEETO_WS_MAX_MESSAGE_BYTES."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from server.devdb import free_port
from tests.cli import ROOT, leeto_env
from tests.conftest import with_database
from tests.own_keys import own_keys

LIMIT = 4096
PROTOCOL = "graphql-transport-ws"


@pytest.fixture
def served(mongo_uri: str, fresh_db_name: str, tmp_path: Path) -> Iterator[int]:
    port = free_port()
    env = leeto_env(
        LEETO_ENV="test",
        MONGODB_URI=with_database(mongo_uri, fresh_db_name),
        LEETO_DATA_DIR=str(tmp_path),
        # A new data directory means a new master key: it needs a vault of its own.
        LEETO_KEY_VAULT_NAMESPACE=own_keys(fresh_db_name, tmp_path)["key_vault_namespace"],
        LEETO_PORT=str(port),
        LEETO_WS_MAX_MESSAGE_BYTES=str(LIMIT),
        LEETO_LOG_LEVEL="warning",
    )
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "serve"],
            env=env,
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        else:
            pytest.fail(f"leeto serve did not become ready: {log.read_text()[-2000:]}")
        yield port
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def _subscribe(query: str) -> str:
    return json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query}})


def test_messages_over_the_limit_close_the_connection(served: int) -> None:
    url = f"ws://127.0.0.1:{served}/graphql"
    with connect(url, subprotocols=[PROTOCOL]) as ws:  # type: ignore[list-item]
        ws.send(json.dumps({"type": "connection_init"}))
        assert json.loads(ws.recv(timeout=10)) == {"type": "connection_ack"}
        # A small operation runs.
        ws.send(_subscribe("{ campuses { id } }"))
        assert json.loads(ws.recv(timeout=10))["payload"]["data"] == {"campuses": []}
        ws.recv(timeout=10)  # complete
        padded = "{ campuses { id } }" + " " * (2 * LIMIT)
        ws.send(_subscribe(padded))
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 1009  # message too big
