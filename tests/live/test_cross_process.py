"""Two real `leeto serve` processes, one engine, one redis-server: a subscriber on one
server hears, in version order, the seat changes that enrolments on the other cause,
down to the final state."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from websockets.sync.client import connect

from server.settings import Settings
from tests.conftest import with_database
from tests.enrollment.enrollment_helpers import Academy, enroll
from tests.live.live_helpers import PROTOCOL, SESSION_SEATS, real_socket
from tests.serving import serve_env, serving_process

SEATS = 20
BURST = 60


def test_seat_changes_cross_processes_in_order(
    academy: Academy,
    academy_settings: Settings,
    mongo_uri: str,
    redis_url: str,
    data_dir: Path,
) -> None:
    session = academy.new_session(capacity=SEATS)
    env = serve_env(
        with_database(mongo_uri, academy_settings.database_name),
        data_dir,
        LEETO_REDIS_URL=redis_url,
        LEETO_RATE_LIMIT_POINTS="0",
    )
    with serving_process(env) as listening, serving_process(env) as writing:
        ws_url = listening.url.replace("http://", "ws://") + "/graphql"
        with connect(ws_url, subprotocols=[PROTOCOL]) as connection:  # type: ignore[list-item]
            ws = real_socket(connection)
            ws.init()
            ws.subscribe("seats", SESSION_SEATS, {"id": session})
            assert ws.next("seats")["sessionSeats"]["version"] == 0

            async def burst() -> None:
                async with httpx.AsyncClient(base_url=writing.url, timeout=120) as client:
                    results = await asyncio.gather(
                        *(enroll(client, s, session) for s in academy.students[:BURST])
                    )
                assert {r["__typename"] for r in results} == {"EnrollmentPayload"}

            asyncio.run(burst())
            # States superseded before they arrived are not shown: read until the final one.
            received = [ws.next("seats", seconds=60)["sessionSeats"]]
            while (received[-1]["seatsLeft"], received[-1]["waitlistLength"]) != (0, BURST - SEATS):
                received.append(ws.next("seats", seconds=60)["sessionSeats"])
    versions = [r["version"] for r in received]
    assert versions == sorted(set(versions)), "a state came twice or out of order"
    assert {r["reason"] for r in received} == {"ENROLLED"}
    # Later states never hold fewer students, and the last one is the final state.
    taken = [SEATS - r["seatsLeft"] + r["waitlistLength"] for r in received]
    assert taken == sorted(taken)
    assert (received[-1]["seatsLeft"], received[-1]["waitlistLength"]) == (0, BURST - SEATS)
