"""What a response cache hit saves: the catalogue page on a hit and on a miss.

Seeds a fresh embedded engine, puts the counting proxy of bench/round_trips.py
in front of it, starts a redis-server, and runs `leeto serve` (a separate
process) with the response cache in memory, then in Redis. For each, it asks
for the catalogue page (first: 20) on misses (a distinct, unused variable per
request makes a new cache key, so every request executes and stores) and on
hits (the same request again). Prints MongoDB commands per request (counted on
the wire), the API process's CPU ms per request (/proc/PID/stat, user +
system) and the median latency. Run with `make bench-cache`.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.processes import cpu_seconds, leeto_command, new_port, serving
from bench.round_trips import OPERATION, CountingProxy
from server.devdb import EmbeddedEngine, free_port
from server.seed import seed_database
from server.settings import Settings
from tests.redis_server import running_redis

REQUESTS = 60


async def _run(
    http: httpx.AsyncClient, proxy: CountingProxy, pid: int, bodies: list[dict[str, Any]]
) -> tuple[float, float, float, set[str]]:
    """Commands per request, CPU ms per request, p50 ms, and the X-Cache values seen."""
    proxy.commands.clear()
    timings, statuses = [], set()
    before = cpu_seconds(pid)
    for body in bodies:
        started = time.perf_counter()
        response = await http.post("/graphql", json=body)
        timings.append((time.perf_counter() - started) * 1000)
        assert "errors" not in response.json(), response.text
        statuses.add(response.headers.get("X-Cache", "-"))
    cpu = (cpu_seconds(pid) - before) * 1000 / len(bodies)
    commands = sum(proxy.commands.values()) / len(bodies)
    return commands, cpu, statistics.median(timings), statuses


async def measure(env: dict[str, str], proxy: CountingProxy, log: Path) -> list[tuple[str, Any]]:
    port = new_port()
    async with (
        serving(leeto_command(port), port, env, log) as server,
        httpx.AsyncClient(base_url=server.url, timeout=60) as http,
    ):
        page = {"query": OPERATION, "variables": {"first": 20}}
        misses = [
            {"query": OPERATION, "variables": {"first": 20, "unusedNonce": n}}
            for n in range(-5, REQUESTS)
        ]
        for body in misses[:5]:  # warm up: connections, parsing
            await http.post("/graphql", json=body)
        miss = await _run(http, proxy, server.pid, misses[5:])
        # Stored now; the page's max age (30 s, for seatsLeft) outlasts the hits.
        await http.post("/graphql", json=page)
        hit = await _run(http, proxy, server.pid, [page] * REQUESTS)
    assert miss[3] == {"MISS"}, miss[3]
    assert hit[3] == {"HIT"}, hit[3]
    return [("miss", miss), ("hit", hit)]


async def main() -> None:
    with (
        tempfile.TemporaryDirectory() as tmp,
        EmbeddedEngine(port=free_port(), data_dir=Path(tmp) / "devdb") as engine,
        running_redis(Path(tmp)) as redis_url,
    ):
        settings = Settings(env="test", MONGODB_URI=engine.uri + "leeto", data_dir=Path(tmp))
        await seed_database(settings)
        proxy = CountingProxy(engine.port)
        proxy_port = free_port()
        server = await asyncio.start_server(proxy.handle, "127.0.0.1", proxy_port)
        base = {
            **{k: v for k, v in os.environ.items() if not k.startswith("LEETO_")},
            "LEETO_ENV": "test",
            "MONGODB_URI": f"mongodb://127.0.0.1:{proxy_port}/leeto",
            "LEETO_DATA_DIR": tmp,
            "LEETO_LOG_LEVEL": "warning",
            "LEETO_RATE_LIMIT_POINTS": "0",
            "LEETO_RESPONSE_CACHE": "true",
        }
        rows = []
        try:
            for store, extra in (("memory", {}), ("redis", {"LEETO_REDIS_URL": redis_url})):
                log = Path(tmp) / f"{store}.log"
                for kind, figures in await measure({**base, **extra}, proxy, log):
                    rows.append((store, kind, figures))
        finally:
            server.close()
    print(f"catalogue page (first: 20), {REQUESTS} sequential requests per row")
    print(f"{'store':<7} {'request':<5} {'commands/req':>12} {'CPU ms/req':>10} {'p50 ms':>8}")
    for store, kind, (commands, cpu, p50, _) in rows:
        print(f"{store:<7} {kind:<5} {commands:12.1f} {cpu:10.2f} {p50:8.1f}")


if __name__ == "__main__":
    asyncio.run(main())
