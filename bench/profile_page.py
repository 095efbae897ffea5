"""Where one operation's CPU goes, in process: the guide for work on execution.

Seeds a fresh embedded engine, builds the app in this process (response cache
and rate limits off) and sends it an operation of `tests/operations/` through
httpx's ASGI transport. Prints this process's CPU per request over a few
rounds (the client's share is small: compare with `{ __typename }`, printed
beside it), and with `--profile` the functions that spent the most, from
cProfile (which roughly doubles every figure; read the order, not the times).
Run with `make bench-profile` (OP=catalogue_page FIRST=100 by default).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from server.app import create_app
from server.devdb import EmbeddedEngine, free_port
from server.seed import seed_database
from server.settings import Settings

OPERATIONS = Path(__file__).resolve().parents[1] / "tests" / "operations"
TYPENAME = {"query": "query Typename { __typename }"}


async def cpu_per_request(http: httpx.AsyncClient, body: dict[str, Any], requests: int) -> float:
    started = time.process_time()
    for _ in range(requests):
        response = await http.post("/graphql", json=body)
        assert response.status_code == 200, response.text
    return (time.process_time() - started) * 1000 / requests


async def run(args: argparse.Namespace, uri: str, data_dir: Path) -> None:
    settings = Settings(
        env="test",
        MONGODB_URI=uri,
        data_dir=data_dir,
        rate_limit_points=0,
        response_cache=False,
        log_level="warning",
    )
    await seed_database(settings)
    body = {
        "query": (OPERATIONS / f"{args.operation}.graphql").read_text(),
        "variables": {"first": args.first, "slug": "python-foundations"},
    }
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as http,
    ):
        answer = (await http.post("/graphql", json=body)).json()
        assert "errors" not in answer, answer
        for _ in range(5):
            await http.post("/graphql", json=body)
        profile = cProfile.Profile() if args.profile else None
        if profile is not None:
            profile.enable()
        for round_number in range(args.rounds):
            operation = await cpu_per_request(http, body, args.requests)
            baseline = await cpu_per_request(http, TYPENAME, args.requests)
            print(
                f"round {round_number + 1}: {args.operation} {operation:.1f} ms CPU/request, "
                f"{{ __typename }} {baseline:.1f}",
                flush=True,
            )
        if profile is not None:
            profile.disable()
            pstats.Stats(profile).sort_stats(args.sort).print_stats(args.lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_page", description=__doc__)
    parser.add_argument("operation", nargs="?", default="catalogue_page")
    parser.add_argument("--first", type=int, default=100)
    parser.add_argument("--requests", type=int, default=40, help="per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="print cProfile's top functions")
    parser.add_argument("--sort", default="tottime", help="cProfile order (tottime, cumulative)")
    parser.add_argument("--lines", type=int, default=40)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as tmp,
        EmbeddedEngine(port=free_port(), data_dir=Path(tmp) / "devdb") as engine,
    ):
        asyncio.run(run(args, engine.uri + "leeto", Path(tmp)))


if __name__ == "__main__":
    main()
