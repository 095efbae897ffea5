"""How long a seat change takes to reach its subscribers, in one process and across two.

Starts an embedded engine and a redis-server, opens SUBSCRIBERS WebSockets on
`sessionSeats` of one session, then enrols students one after another and
times, for each enrolment, the mutation's round trip and the moment the last
subscriber received its version. Two configurations: one `leeto serve` with
the in-process broker; two sharing Redis (subscribers on the first, writes on
the second). Run with `make bench-live`.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from bson import ObjectId
from pymongo import MongoClient
from websockets.asyncio.client import ClientConnection, connect

from resolvers.global_ids import to_global_id
from server.auth_setup import access_tokens_from
from server.devdb import EmbeddedEngine, free_port
from server.settings import Settings
from tests.redis_server import running_redis

ROOT = Path(__file__).resolve().parents[1]
SUBSCRIBERS = 50
ENROLMENTS = 30
SEATS = """subscription Seats($id: ID!) { sessionSeats(sessionId: $id) { version seatsLeft } }"""
ENROL = """mutation Enrol($id: ID!) { sessionEnroll(input: {sessionId: $id}) { __typename } }"""


def prepare(uri: str, data_dir: Path) -> tuple[str, list[str]]:
    """A published course, one session and students with access tokens."""
    settings = Settings(env="test", MONGODB_URI=uri, data_dir=data_dir)
    db: Any = MongoClient(uri)[settings.database_name]
    now = datetime.now(UTC)
    course_id, session_id = ObjectId(), ObjectId()
    db.courses.insert_one(
        {"_id": course_id, "slug": f"bench-{course_id}", "title": "Bench", "summary": "",
         "description": "", "track": "CODING", "level": "BEGINNER", "tags": [],
         "instructorIds": [], "priceCents": 0, "durationHours": 1, "published": True,
         "ratingCount": 0, "ratingSum": 0, "ratingAverage": 0.0, "searchTerms": [],
         "createdAt": now, "updatedAt": now}
    )  # fmt: skip
    db.sessions.insert_one(
        {"_id": session_id, "courseId": course_id, "mode": "VIRTUAL", "campusId": None,
         "startsAt": now + timedelta(days=30), "endsAt": now + timedelta(days=31),
         "capacity": 1000, "instructorId": ObjectId(), "meetingUrl": None,
         "createdAt": now, "updatedAt": now}
    )  # fmt: skip
    tokens = access_tokens_from(settings)
    users = [ObjectId() for _ in range(ENROLMENTS * 2)]
    db.users.insert_many(
        [{"_id": u, "roles": ["STUDENT"], "displayName": "Bench", "createdAt": now} for u in users]
    )
    return to_global_id("Session", session_id), [
        tokens.issue(str(u), ["STUDENT"]).token for u in users
    ]


def record(raw: str | bytes, arrivals: dict[int, float], progress: asyncio.Event) -> None:
    message = json.loads(raw)
    if message.get("type") == "next":
        arrivals[message["payload"]["data"]["sessionSeats"]["version"]] = time.perf_counter()
        progress.set()


async def listen(ws: ClientConnection, arrivals: dict[int, float], progress: asyncio.Event) -> None:
    async for raw in ws:
        record(raw, arrivals, progress)


async def subscriber(
    url: str, session: str, arrivals: dict[int, float], progress: asyncio.Event
) -> asyncio.Task[None]:
    ws = await connect(url, subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
    await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
    await ws.recv()
    payload = {"query": SEATS, "variables": {"id": session}}
    await ws.send(json.dumps({"type": "subscribe", "id": "1", "payload": payload}))
    record(await ws.recv(), arrivals, progress)  # the current state: subscribed
    return asyncio.create_task(listen(ws, arrivals, progress))


async def measure(
    listen_url: str, write_url: str, session: str, tokens: list[str]
) -> tuple[list[float], list[float]]:
    ws_url = listen_url.replace("http://", "ws://") + "/graphql"
    arrivals: list[dict[int, float]] = [{} for _ in range(SUBSCRIBERS)]
    progress = asyncio.Event()
    tasks = [await subscriber(ws_url, session, a, progress) for a in arrivals]
    # Versions count the documents behind the seats (an enrolment that takes a
    # seat adds two), so each enrolment's event is "the first version above the last".
    last = max(max(a) for a in arrivals)
    mutation_ms, fanout_ms = [], []
    async with httpx.AsyncClient(base_url=write_url, timeout=60) as http:
        for token in tokens:
            sent = time.perf_counter()
            response = await http.post(
                "/graphql",
                json={"query": ENROL, "variables": {"id": session}},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert response.json()["data"]["sessionEnroll"]["__typename"] == "EnrollmentPayload"
            mutation_ms.append((time.perf_counter() - sent) * 1000)
            while not all(max(a) > last for a in arrivals):
                progress.clear()
                if not all(max(a) > last for a in arrivals):
                    await progress.wait()
            delivered = [min(t for v, t in a.items() if v > last) for a in arrivals]
            fanout_ms.append((max(delivered) - sent) * 1000)
            last = max(max(a) for a in arrivals)
    for task in tasks:
        task.cancel()
    return mutation_ms, fanout_ms


def serve(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(f"{url}/readyz").status_code == 200:
                return process, url
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError("leeto serve did not start")


def row(name: str, mutation_ms: list[float], fanout_ms: list[float]) -> str:
    def p(values: list[float], q: int) -> float:
        return statistics.quantiles(values, n=100)[q - 1]

    return (
        f"{name:<34} {statistics.median(mutation_ms):8.1f} {p(mutation_ms, 95):8.1f}"
        f" {statistics.median(fanout_ms):8.1f} {p(fanout_ms, 95):8.1f}"
    )


def main() -> None:
    with (
        tempfile.TemporaryDirectory() as tmp,
        EmbeddedEngine(port=free_port(), data_dir=Path(tmp) / "devdb") as engine,
        running_redis(Path(tmp)) as redis_url,
    ):
        uri = engine.uri + "leeto"
        session, tokens = prepare(uri, Path(tmp))
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("LEETO_", "OTEL_"))},
            "LEETO_ENV": "test",
            "MONGODB_URI": uri,
            "LEETO_DATA_DIR": tmp,
            "LEETO_RATE_LIMIT_POINTS": "0",
            "LEETO_LOG_LEVEL": "warning",
        }
        print(f"{SUBSCRIBERS} subscribers on one session, {ENROLMENTS} enrolments one at a time")
        print(f"{'configuration':<34} {'mut p50':>8} {'mut p95':>8} {'all p50':>8} {'all p95':>8}")
        print("(ms: mutation round trip; from sending it to the last subscriber's delivery)")
        one, url = serve(env)
        try:
            results = asyncio.run(measure(url, url, session, tokens[:ENROLMENTS]))
            print(row("one server, in-process broker", *results), flush=True)
        finally:
            one.terminate()
            one.wait(30)
        shared = {**env, "LEETO_REDIS_URL": redis_url}
        first, listen_url = serve(shared)
        second, write_url = serve(shared)
        try:
            results = asyncio.run(measure(listen_url, write_url, session, tokens[ENROLMENTS:]))
            print(row("two servers, Redis pub/sub", *results), flush=True)
        finally:
            for process in (first, second):
                process.terminate()
                process.wait(30)


if __name__ == "__main__":
    main()
