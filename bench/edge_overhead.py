"""What the edge costs the API process: CPU per request with each feature turned on.

Seeds a fresh embedded engine, starts a redis-server and a loopback OTLP
receiver, then runs `leeto serve` once per configuration and asks for the
catalogue page (first: 20) a few hundred times. The API process's own CPU
time comes from /proc/PID/stat (user + system), so the embedded engine's
scanning does not count. Also compares an automatic persisted query sent by
hash alone with the full document. Run with `make bench-edge`.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

from bench.processes import cpu_seconds, wait_ready
from persisted.protocol import sha256_hex
from server.devdb import EmbeddedEngine, free_port
from server.seed import seed_database
from server.settings import Settings
from tests.redis_server import running_redis

ROOT = Path(__file__).resolve().parents[1]
OPERATION = (ROOT / "tests" / "operations" / "catalogue_page.graphql").read_text()
VARIABLES = {"first": 20}
WARM_UP = 10
REQUESTS = 100


class _Sink(BaseHTTPRequestHandler):
    """Accepts OTLP exports and drops them."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        return


@contextmanager
def otlp_sink() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


async def measure(port: int, pid: int, body: dict[str, Any]) -> tuple[float, float, int]:
    """CPU ms per request, p50 latency ms, and the request body's size in bytes."""
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
        for _ in range(WARM_UP):
            response = await http.post("/graphql", json=body)
            assert response.status_code == 200, response.text
            assert "errors" not in response.json(), response.text
        timings = []
        before = cpu_seconds(pid)
        for _ in range(REQUESTS):
            started = time.perf_counter()
            request = http.build_request("POST", "/graphql", json=body)
            size = len(request.content)
            response = await http.send(request)
            timings.append((time.perf_counter() - started) * 1000)
        cpu = (cpu_seconds(pid) - before) * 1000 / REQUESTS
    return cpu, statistics.median(timings), size


async def run_server(
    env: dict[str, str], bodies: list[dict[str, Any]]
) -> list[tuple[float, float, int]]:
    port = free_port()
    process = subprocess.Popen(  # noqa: ASYNC220 - started once, before any measuring
        [sys.executable, "-m", "server.cli", "serve", "--port", str(port)],
        env={**env, "LEETO_PORT": str(port)},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        await wait_ready(f"http://127.0.0.1:{port}", process)
        return [await measure(port, process.pid, body) for body in bodies]
    finally:
        process.terminate()
        await asyncio.to_thread(process.wait, 30)


async def main() -> None:
    full = {"query": OPERATION, "variables": VARIABLES}
    sha = sha256_hex(OPERATION)
    apq = {
        "extensions": {"persistedQuery": {"version": 1, "sha256Hash": sha}},
        "variables": VARIABLES,
    }
    with (
        tempfile.TemporaryDirectory() as tmp,
        EmbeddedEngine(port=free_port(), data_dir=Path(tmp) / "devdb") as engine,
        running_redis(Path(tmp)) as redis_url,
        otlp_sink() as collector,
    ):
        settings = Settings(env="test", MONGODB_URI=engine.uri + "leeto", data_dir=Path(tmp))
        await seed_database(settings)
        base = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("LEETO_", "OTEL_"))},
            "LEETO_ENV": "test",
            "MONGODB_URI": engine.uri + "leeto",
            "LEETO_DATA_DIR": tmp,
            "LEETO_RATE_LIMIT_POINTS": "0",
            "LEETO_RATE_LIMIT_WINDOW_SECONDS": "86400",
            "LEETO_LOG_LEVEL": "warning",
        }
        lots = "100000000"
        configurations = [
            ("baseline: no rate limit, warnings only", {}),
            (
                "+ one JSON log line per operation",
                {"LEETO_LOG_LEVEL": "info", "LEETO_LOG_FORMAT": "json"},
            ),
            ("+ rate limit in memory", {"LEETO_RATE_LIMIT_POINTS": lots}),
            (
                "+ rate limit in Redis",
                {"LEETO_RATE_LIMIT_POINTS": lots, "LEETO_REDIS_URL": redis_url},
            ),
            ("+ tracing (OTLP to loopback)", {"OTEL_EXPORTER_OTLP_ENDPOINT": collector}),
        ]
        print(f"catalogue page (first: 20), {REQUESTS} sequential requests per row")
        print(f"{'configuration':<42} {'CPU ms/req':>10} {'p50 ms':>8} {'body B':>7}")
        env = dict(base)
        for name, extra in configurations:
            env = {**env, **extra}
            [(cpu, p50, size)] = await run_server(env, [full])
            print(f"{name:<42} {cpu:10.2f} {p50:8.1f} {size:7d}", flush=True)
        # APQ, on the last configuration: register once, then send the hash alone.
        [(cpu_full, p50_full, size_full), (cpu_apq, p50_apq, size_apq)] = await run_server(
            env, [{**full, "extensions": apq["extensions"]}, apq]
        )
    label = "APQ: query + hash (registers once)"
    print(f"{label:<42} {cpu_full:10.2f} {p50_full:8.1f} {size_full:7d}")
    print(f"{'APQ: hash alone':<42} {cpu_apq:10.2f} {p50_apq:8.1f} {size_apq:7d}")


if __name__ == "__main__":
    asyncio.run(main())
