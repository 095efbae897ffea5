"""The catalogue page alone and during bursts of log-ins, throughput, and peak memory.

Seeds a fresh embedded engine, then runs `leeto serve` (once per worker count
asked for) with production-strength argon2id (the defaults: t=3, 64 MiB, 4
lanes) and prints, for the catalogue page (first: 100):
- p50/p99 of sequential requests alone, and again while bursts of 20
  concurrent log-ins keep arriving (each burst starts when the last ends);
- the API process's CPU per page (user + system, from /proc/PID/stat);
- requests/s with several requests in flight;
- each server process's peak resident memory (VmHWM) at the end.
Run with `make bench-login-burst` (WORKERS=1,2 by default).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.processes import cpu_seconds, peak_rss_mib, wait_ready
from server.demo.build import DEMO_PASSWORD, DEMO_STUDENT
from server.devdb import EmbeddedEngine, free_port
from server.seed import seed_database
from server.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = {
    "query": (ROOT / "tests" / "operations" / "catalogue_page.graphql").read_text(),
    "variables": {"first": 100},
}
LOG_IN = {
    "query": """mutation($e: String!, $p: String!) { userLogIn(input: {email: $e, password: $p})
      { __typename ... on AuthPayload { accessToken } } }""",
    "variables": {"e": DEMO_STUDENT, "p": DEMO_PASSWORD},
}
BURST = 20
SERVE = [sys.executable, "-m", "server.cli", "serve"]


def server_processes(parent: int) -> list[int]:
    """The process serving requests: the parent, or its workers when it has some."""
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat[1]) == parent and b"spawn_main" in cmdline:
            children.append(int(entry.name))
    return sorted(children) or [parent]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def _post(http: httpx.AsyncClient, body: dict[str, Any]) -> float:
    started = time.perf_counter()
    response = await http.post("/graphql", json=body)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, response.text[:300]
    assert "errors" not in response.json(), response.text[:300]
    return elapsed


async def _sequential(http: httpx.AsyncClient, count: int) -> list[float]:
    return [await _post(http, CATALOGUE) for _ in range(count)]


async def _bursts(http: httpx.AsyncClient, stop: asyncio.Event, timings: list[float]) -> None:
    while not stop.is_set():
        timings += await asyncio.gather(*(_post(http, LOG_IN) for _ in range(BURST)))


async def _throughput(port: int, total: int, in_flight: int) -> float:
    remaining = total

    async def client() -> None:
        nonlocal remaining
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=300) as http:
            while remaining > 0:
                remaining -= 1
                await _post(http, CATALOGUE)

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(in_flight)))
    return total / (time.perf_counter() - started)


def _print(workers: int, label: str, values: list[float], extra: str = "") -> None:
    p50, p99 = statistics.median(values), percentile(values, 0.99)
    print(f"{workers:>7}  {label:<30} {p50:8.1f} {p99:8.1f}  {extra}", flush=True)


async def measure(env: dict[str, str], workers: int, args: argparse.Namespace) -> None:
    port = free_port()
    process = subprocess.Popen(  # noqa: ASYNC220 - started once, before any measuring
        [*SERVE, "--port", str(port), "--workers", str(workers)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        await wait_ready(f"http://127.0.0.1:{port}", process)
        pids = server_processes(process.pid)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=300) as http:
            await _sequential(http, 5)  # warm-up: caches, first connections
            await _post(http, LOG_IN)
            cpu_before = sum(cpu_seconds(pid) for pid in pids)
            alone = await _sequential(http, args.requests)
            cpu = (sum(cpu_seconds(pid) for pid in pids) - cpu_before) * 1000 / args.requests
            _print(workers, "alone", alone, f"CPU {cpu:.1f} ms/page")
            stop, log_ins = asyncio.Event(), list[float]()
            burst: asyncio.Task[None] = asyncio.create_task(_bursts(http, stop, log_ins))
            await asyncio.sleep(0.2)  # the first burst is under way
            during = await _sequential(http, args.requests)
            stop.set()
            await burst
            done = f"{len(log_ins)} log-ins, p50 {statistics.median(log_ins):.0f} ms"
            _print(workers, f"during bursts of {BURST} log-ins", during, done)
            ratio = percentile(during, 0.99) / percentile(alone, 0.99)
            print(f"{workers:>7}  p99 during bursts / alone: {ratio:.2f}x", flush=True)
        rps = await _throughput(port, args.throughput_requests, args.in_flight)
        print(f"{workers:>7}  {args.in_flight} in flight: {rps:.2f} pages/s", flush=True)
        peaks = ", ".join(f"{peak_rss_mib(pid):.0f}" for pid in pids)
        print(f"{workers:>7}  peak RSS (VmHWM) per serving process: {peaks} MiB", flush=True)
    finally:
        process.terminate()
        await asyncio.to_thread(process.wait, 60)


async def main(args: argparse.Namespace) -> None:
    with (
        tempfile.TemporaryDirectory() as tmp,
        EmbeddedEngine(port=free_port(), data_dir=Path(tmp) / "devdb") as engine,
    ):
        settings = Settings(env="test", MONGODB_URI=engine.uri + "leeto", data_dir=Path(tmp))
        await seed_database(settings)  # argon2 defaults: production-strength hashes
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("LEETO_", "OTEL_"))},
            "LEETO_ENV": "test",
            "MONGODB_URI": engine.uri + "leeto",
            "LEETO_DATA_DIR": tmp,
            "LEETO_RATE_LIMIT_POINTS": "0",
            "LEETO_LOG_LEVEL": "warning",
            # Pages wait behind each other on the embedded engine: slow, not failed.
            "LEETO_OPERATION_TIMEOUT_SECONDS": "600",
            # Every page would be a cache hit: what hashing does to execution is measured.
            "LEETO_RESPONSE_CACHE": "false",
        }
        print(
            f"catalogue page (first: 100): {args.requests} sequential requests alone, then as "
            f"many during bursts of {BURST} concurrent log-ins (argon2id t=3, 64 MiB, 4 lanes)"
        )
        print(f"{'workers':>7}  {'phase':<30} {'p50 ms':>8} {'p99 ms':>8}")
        for workers in args.workers:
            await measure(env, workers, args)


def _counts(value: str) -> list[int]:
    return [int(part) for part in value.split(",") if part]


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=_counts, default=[1, 2], help="e.g. 1,2")
    parser.add_argument("--requests", type=int, default=40, help="pages per phase")
    parser.add_argument("--throughput-requests", type=int, default=40)
    parser.add_argument("--in-flight", type=int, default=4)
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(arguments()))
