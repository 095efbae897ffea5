"""`leeto serve` as a separate process, for tests that need real servers."""

from __future__ import annotations

import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx

from server.devdb import free_port
from tests.cli import ROOT, leeto_env


def serve_env(mongodb_uri: str, data_dir: Path, **extra: str) -> dict[str, str]:
    """A test-mode server on `mongodb_uri`; `data_dir` must hold the run's master key."""
    return leeto_env(
        LEETO_ENV="test",
        MONGODB_URI=mongodb_uri,
        LEETO_DATA_DIR=str(data_dir),
        LEETO_ARGON2_MEMORY_KIB="8192",
        LEETO_ARGON2_TIME_COST="1",
        # Off unless a test turns it on: tests write behind the API's back.
        **{"LEETO_RESPONSE_CACHE": "false", **extra},
    )


@dataclass
class Served:
    url: str
    process: subprocess.Popen[bytes]
    stderr: IO[bytes]

    def output(self) -> str:
        """What the server wrote to stderr so far (its logs)."""
        self.stderr.flush()
        self.stderr.seek(0)
        return self.stderr.read().decode(errors="replace")


def wait_ready(served: Served, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if served.process.poll() is not None:
            raise AssertionError(f"leeto serve exited at start:\n{served.output()[-2000:]}")
        try:
            if httpx.get(f"{served.url}/readyz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError("leeto serve did not become ready")


@contextmanager
def serving_process(env: dict[str, str]) -> Iterator[Served]:
    """Run `leeto serve` on a free port until ready; SIGTERM it on exit."""
    port = free_port()
    with tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "serve", "--port", str(port)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
        served = Served(url=f"http://127.0.0.1:{port}", process=process, stderr=stderr)
        try:
            wait_ready(served)
            yield served
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
