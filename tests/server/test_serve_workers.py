"""`leeto serve --workers 2`: two real worker processes behind one port, one greeting,
stopped together, and a dead worker takes the server down rather than limping on."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import httpx

from server.devdb import free_port
from server.settings import Settings
from tests.cli import ROOT, run_leeto
from tests.operations import operation
from tests.serving import serve_env

CATALOGUE_PAGE = operation("catalogue_page")
Popen = subprocess.Popen[bytes]


def _workers_of(parent: int) -> list[int]:
    """Processes started by `parent` through multiprocessing's spawn."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue  # gone meanwhile
        if int(stat[1]) == parent and b"spawn_main" in cmdline:
            found.append(int(entry.name))
    return found


@contextmanager
def _serving(env: dict[str, str], workers: int) -> Iterator[tuple[Popen, str, IO[bytes]]]:
    port = free_port()
    command = [sys.executable, "-m", "server.cli", "serve", "--port", str(port)]
    with tempfile.TemporaryFile() as stdout:
        process = subprocess.Popen(
            [*command, "--workers", str(workers)],
            env=env,
            cwd=ROOT,
            stdout=stdout,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 90
            while len(_workers_of(process.pid)) < workers or not _ready(url):
                assert process.poll() is None, "leeto serve exited at start"
                assert time.monotonic() < deadline, "leeto serve did not become ready"
                time.sleep(0.2)
            yield process, url, stdout
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/readyz").status_code == 200
    except httpx.TransportError:
        return False


def _gone(pids: list[int]) -> bool:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if not any(Path(f"/proc/{pid}").exists() for pid in pids):
            return True
        time.sleep(0.1)
    return False


def test_two_workers_serve_greet_once_and_stop_together(
    seeded_settings: Settings, data_dir: Path
) -> None:
    env = serve_env(seeded_settings.database_uri(), data_dir)
    with _serving(env, 2) as (process, url, stdout):
        workers = _workers_of(process.pid)
        assert len(workers) == 2
        for _ in range(4):  # a fresh connection each time: either worker may answer
            body = httpx.post(
                f"{url}/graphql", json={"query": CATALOGUE_PAGE, "variables": {"first": 3}}
            ).json()
            assert "errors" not in body, body
            assert len(body["data"]["courses"]["edges"]) == 3
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
        assert _gone(workers)
        stdout.seek(0)
        printed = stdout.read().decode()
    assert printed.count("GraphQL endpoint") == 1, printed


def test_a_dead_worker_stops_the_server(seeded_settings: Settings, data_dir: Path) -> None:
    env = serve_env(seeded_settings.database_uri(), data_dir)
    with _serving(env, 2) as (process, _url, _stdout):
        first, second = _workers_of(process.pid)
        os.kill(first, signal.SIGKILL)
        assert process.wait(timeout=60) == 1
        assert _gone([second])


def test_a_bad_worker_count_is_refused() -> None:
    result = run_leeto("serve", "--workers", "0")
    assert result.returncode == 2
    assert "--workers" in result.stderr
    assert "1 to 64" in result.stderr
