"""`leeto serve` in development: starts the embedded engine, serves, and leaves nothing behind."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from server.devdb import free_port
from tests.cli import ROOT, leeto_env, run_leeto


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def _wait(predicate: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def _development_env(data_dir: Path, engine_port: int, **extra: str) -> dict[str, str]:
    """No MONGODB_URI: the command starts the embedded engine on `engine_port` itself."""
    return leeto_env(
        LEETO_ENV="development",
        LEETO_DATA_DIR=str(data_dir),
        LEETO_DEVDB_PORT=str(engine_port),
        LEETO_ARGON2_MEMORY_KIB="8192",
        LEETO_ARGON2_TIME_COST="1",
        **extra,
    )


def test_serve_starts_and_stops_the_embedded_engine(tmp_path: Path) -> None:
    app_port, engine_port = free_port(), free_port()
    env = _development_env(tmp_path, engine_port, LEETO_PORT=str(app_port))
    server = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "serve"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:

        def ready() -> bool:
            try:
                return httpx.get(f"http://127.0.0.1:{app_port}/readyz").status_code == 200
            except httpx.TransportError:
                return False

        assert _wait(ready, 60), "the server did not become ready"
        assert _listening(engine_port)
        response = httpx.post(
            f"http://127.0.0.1:{app_port}/graphql", json={"query": "{ campuses { id } }"}
        )
        assert response.status_code == 200
        assert response.json()["data"] == {"campuses": []}
        assert response.headers["X-RateLimit-Limit"] == "500000"  # on by default
        assert (tmp_path / "devdb").is_dir()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    assert _wait(lambda: not _listening(engine_port), 10), "the embedded engine outlived serve"


def test_seed_loads_demo_data_on_the_embedded_engine(tmp_path: Path) -> None:
    engine_port = free_port()
    env = _development_env(tmp_path, engine_port)
    result = run_leeto("seed", "--seed", "7", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for line in ("6  campuses", "published courses", "upcoming sessions", "admin@leeto.dev"):
        assert line in result.stdout
    assert "leeto-demo-password" in result.stdout  # demo credentials are printed on purpose
    assert not _listening(engine_port), "seed left the embedded engine running"
