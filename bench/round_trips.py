"""Counts MongoDB commands per catalogue page on the wire, outside the server process.

Starts the embedded engine, seeds it, puts a counting TCP proxy in front of it,
runs `leeto serve` as a separate process against the proxy, and asks for the
catalogue page (tests/operations/catalogue_page.graphql) at several sizes.
Prints commands per request and latency; run with `make bench`.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.processes import wait_ready
from bench.wire import CountingProxy
from server.devdb import EmbeddedEngine, free_port
from server.seed import seed_database
from server.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
OPERATION = (ROOT / "tests" / "operations" / "catalogue_page.graphql").read_text()
REPEATS = 15


async def _measure(
    app_port: int, proxy: CountingProxy
) -> list[tuple[int, int, dict[str, int], float, float]]:
    rows = []
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{app_port}", timeout=30) as http:
        await http.post("/graphql", json={"query": OPERATION, "variables": {"first": 5}})
        for first in (1, 20, 50, 100):
            counts, timings = [], []
            for _ in range(REPEATS):
                proxy.commands.clear()
                started = time.perf_counter()
                response = await http.post(
                    "/graphql", json={"query": OPERATION, "variables": {"first": first}}
                )
                timings.append((time.perf_counter() - started) * 1000)
                body = response.json()
                assert "errors" not in body, body
                counts.append(dict(proxy.commands))
            total = {sum(c.values()) for c in counts}
            assert len(total) == 1, f"command count varied between runs: {counts}"
            edges = len(body["data"]["courses"]["edges"])
            p50 = statistics.median(timings)
            p95 = sorted(timings)[int(len(timings) * 0.95) - 1]
            rows.append((first, edges, counts[-1], p50, p95))
    return rows


async def main() -> None:
    with (
        tempfile.TemporaryDirectory() as tmp,
        EmbeddedEngine(port=free_port(), data_dir=Path(tmp) / "devdb") as engine,
    ):
        settings = Settings(env="test", MONGODB_URI=engine.uri + "leeto", data_dir=Path(tmp))
        await seed_database(settings)
        proxy = CountingProxy(engine.port)
        proxy_port = free_port()
        server = await asyncio.start_server(proxy.handle, "127.0.0.1", proxy_port)
        app_port = free_port()
        env = {
            **os.environ,
            "LEETO_ENV": "test",
            "MONGODB_URI": f"mongodb://127.0.0.1:{proxy_port}/leeto",
            "LEETO_DATA_DIR": tmp,
            "LEETO_PORT": str(app_port),
            "LEETO_LOG_LEVEL": "warning",
            "LEETO_RATE_LIMIT_POINTS": "0",  # commands are measured, not budgets
            # Repeated pages would be cache hits that send no command at all.
            "LEETO_RESPONSE_CACHE": "false",
        }
        app = subprocess.Popen(  # noqa: ASYNC220 - started once, before any measuring
            [sys.executable, "-m", "server.cli", "serve"], env=env, cwd=ROOT
        )
        try:
            await wait_ready(f"http://127.0.0.1:{app_port}", app)
            rows = await _measure(app_port, proxy)
        finally:
            app.terminate()
            # The server closes its pool through the proxy: keep the loop running.
            await asyncio.to_thread(app.wait, 20)
            server.close()
    print("catalogue page: MongoDB commands per request, counted on the wire")
    print(
        f"{'first':>5} {'courses':>7} {'commands':>8}  {'by name':<28} {'p50 ms':>7} {'p95 ms':>7}"
    )
    for first, edges, commands, p50, p95 in rows:
        names = ", ".join(f"{k}={v}" for k, v in sorted(commands.items()))
        print(
            f"{first:>5} {edges:>7} {sum(commands.values()):>8}  {names:<28} {p50:7.1f} {p95:7.1f}"
        )
    counts = {sum(r[2].values()) for r in rows}
    print(f"same command count at every size: {'yes' if len(counts) == 1 else 'NO'}")


if __name__ == "__main__":
    asyncio.run(main())
