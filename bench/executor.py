"""What executing a query costs the API process, on the fast path and on graphql-core's.

Seeds a fresh embedded engine, then runs `leeto serve` twice, with
LEETO_FAST_EXECUTION on and off, and asks each for the catalogue page at
first: 20 and first: 100 and for a course's detail page. CPU time is the API
process's own (user + system from /proc/PID/stat), so the embedded engine's
scanning is not counted. Both servers' answers are compared, and must match.
Run with `make bench-executor`.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path
from typing import Any

import httpx

from bench.processes import cpu_seconds, leeto_command, new_port, serving
from server.devdb import EmbeddedEngine, free_port
from server.seed import seed_database
from server.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
OPERATIONS = ROOT / "tests" / "operations"
CATALOGUE = (OPERATIONS / "catalogue_page.graphql").read_text()
DETAIL = (OPERATIONS / "course_detail.graphql").read_text()
SCENARIOS: list[tuple[str, dict[str, Any]]] = [
    ("catalogue page, first: 20", {"query": CATALOGUE, "variables": {"first": 20}}),
    ("catalogue page, first: 100", {"query": CATALOGUE, "variables": {"first": 100}}),
    ("course detail", {"query": DETAIL, "variables": {"slug": "python-foundations"}}),
    # What every request pays whatever it asks: HTTP, the request pipeline, the context.
    ("{ __typename }", {"query": "query Typename { __typename }"}),
]
WARM_UP = 5
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "30"))


async def measure(http: httpx.AsyncClient, pid: int, body: dict[str, Any]) -> tuple[float, Any]:
    """CPU ms per request, and the answer."""
    answer = None
    for _ in range(WARM_UP):
        response = await http.post("/graphql", json=body)
        assert response.status_code == 200, response.text
        answer = response.json()
        assert "errors" not in answer, response.text
    before = cpu_seconds(pid)
    for _ in range(REQUESTS):
        await http.post("/graphql", json=body)
    return (cpu_seconds(pid) - before) * 1000 / REQUESTS, answer


async def run_server(env: dict[str, str], log: Path) -> list[tuple[float, Any]]:
    port = new_port()
    async with (
        serving(leeto_command(port), port, env, log) as server,
        httpx.AsyncClient(base_url=server.url, timeout=120) as http,
    ):
        return [await measure(http, server.pid, body) for _, body in SCENARIOS]


async def main() -> None:
    with (
        tempfile.TemporaryDirectory() as tmp,
        EmbeddedEngine(port=free_port(), data_dir=Path(tmp) / "devdb") as engine,
    ):
        settings = Settings(env="test", MONGODB_URI=engine.uri + "leeto", data_dir=Path(tmp))
        await seed_database(settings)
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("LEETO_", "OTEL_"))},
            "LEETO_ENV": "test",
            "MONGODB_URI": engine.uri + "leeto",
            "LEETO_DATA_DIR": tmp,
            "LEETO_RATE_LIMIT_POINTS": "0",
            "LEETO_LOG_LEVEL": "warning",
            # Repeated identical queries would be served from the response cache,
            # which is not what this bench measures.
            "LEETO_RESPONSE_CACHE": "false",
        }
        fast = await run_server({**env, "LEETO_FAST_EXECUTION": "true"}, Path(tmp) / "fast.log")
        standard = await run_server(
            {**env, "LEETO_FAST_EXECUTION": "false"}, Path(tmp) / "standard.log"
        )
    print(f"API process CPU per request, {REQUESTS} sequential requests per row")
    print(f"{'operation':<30} {'graphql-core ms':>15} {'fast path ms':>12} {'ratio':>6}")
    for (name, _), (fast_cpu, fast_answer), (std_cpu, std_answer) in zip(
        SCENARIOS, fast, standard, strict=True
    ):
        assert fast_answer == std_answer, f"{name}: the two executors answered differently"
        # Below one clock tick per row the fast column reads 0: no ratio then.
        ratio = f"{std_cpu / fast_cpu:5.1f}x" if fast_cpu else "    -"
        print(f"{name:<30} {std_cpu:15.1f} {fast_cpu:12.1f} {ratio}")


if __name__ == "__main__":
    asyncio.run(main())
