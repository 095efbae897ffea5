"""Two `leeto serve` processes, one `leeto worker`, one redis-server and one engine
behave as one service: what one server caused, the other shows and the worker
mails; what one cached or counted, the other honours.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pymongo import MongoClient
from websockets.sync.client import connect

from resolvers.global_ids import to_global_id
from tests.accounts.accounts_helpers import RELAXED
from tests.conftest import with_database
from tests.jobs.jobs_helpers import Person, Raw, enroll, make_admin, new_session, people
from tests.jobs.mail_catcher import MailCatcher, catching_mail
from tests.jobs.working import worker_process
from tests.live.live_helpers import PROTOCOL, SESSION_SEATS, real_socket
from tests.serving import Served, serve_env, serving_process

SEATS = 15
STUDENTS = 45

SEATS_QUERY = """
query Seats($id: ID!) { node(id: $id) { ... on Session { seatsLeft waitlistLength } } }
"""
COURSES = "query Courses { courses(first: 3) { edges { node { id title } } } }"


@pytest.fixture
def database(mongo_uri: str) -> Iterator[tuple[str, Raw]]:
    name = f"leeto_one_{uuid.uuid4().hex[:10]}"
    uri = with_database(mongo_uri, name)
    client: MongoClient[dict[str, Any]] = MongoClient(uri, tz_aware=True)
    yield uri, client[name]
    client.drop_database(name)
    client.close()


@pytest.fixture
def mail() -> Iterator[MailCatcher]:
    with catching_mail() as catcher:
        yield catcher


def _env(uri: str, data_dir: Path, redis_url: str, mail: MailCatcher) -> dict[str, str]:
    relaxed = {f"LEETO_{key.upper()}": str(value) for key, value in RELAXED.items()}
    return serve_env(
        uri,
        data_dir,
        **relaxed,
        LEETO_REDIS_URL=redis_url,
        LEETO_SMTP_URL=mail.url,
        LEETO_RESPONSE_CACHE="true",
        LEETO_JOB_REDELIVER_SECONDS="2",
        LEETO_OUTBOX_SWEEP_SECONDS="0.5",
        LEETO_REMINDER_SCAN_SECONDS="3600",
        LEETO_CLEANUP_INTERVAL_SECONDS="3600",
    )


def _post(served: Served, body: dict[str, Any]) -> httpx.Response:
    response = httpx.post(f"{served.url}/graphql", json=body, timeout=60)
    assert response.status_code == 200, response.text
    return response


def _seats(served: Served, session: str) -> tuple[str | None, tuple[int, int]]:
    response = _post(served, {"query": SEATS_QUERY, "variables": {"id": session}})
    node = response.json()["data"]["node"]
    return response.headers.get("X-Cache"), (node["seatsLeft"], node["waitlistLength"])


def _remaining(response: httpx.Response) -> int:
    return int(response.headers["X-RateLimit-Remaining"])


def _enrol_all(served: Served, students: list[Person], session_id: Any) -> None:
    local = threading.local()

    def one(person: Person) -> None:
        if not hasattr(local, "client"):
            local.client = httpx.Client(base_url=served.url, timeout=120)
        enroll(local.client, person, session_id)

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(one, students))


def test_two_servers_a_worker_and_redis_act_as_one(
    database: tuple[str, Raw], data_dir: Path, redis_url: str, mail: MailCatcher
) -> None:
    uri, raw = database
    env = _env(uri, data_dir, redis_url, mail)
    mail.hold = threading.Event()  # the first e-mail arrives; its answer waits
    with serving_process(env) as a, serving_process(env) as b:
        with httpx.Client(base_url=b.url, timeout=60) as client:
            admin = make_admin(client, raw)
            students = people(client, STUDENTS)
        session_id = new_session(raw, admin, capacity=SEATS, starts_in=timedelta(days=10))
        session = to_global_id("Session", session_id)

        # A response cached by A is served by B from the shared cache.
        assert _seats(a, session) == ("MISS", (SEATS, 0))
        assert _seats(b, session) == ("HIT", (SEATS, 0))

        # Persisted operations: registered on A, run by hash on B.
        digest = hashlib.sha256(COURSES.encode()).hexdigest()
        extensions = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
        registered = _post(a, {"query": COURSES, "extensions": extensions}).json()
        by_hash = _post(b, {"extensions": extensions}).json()
        assert "errors" not in by_hash, by_hash
        assert by_hash["data"] == registered["data"]

        # One rate-limit budget: each server's answer counts the other's requests.
        first = _remaining(_post(a, {"query": COURSES}))
        second = _remaining(_post(b, {"query": COURSES}))
        third = _remaining(_post(a, {"query": COURSES}))
        assert first > second > third

        # A subscriber on A hears every seat state of a burst of enrolments on B,
        # in version order, down to the final one; the worker mails the seated.
        with worker_process(env) as worker:
            ws_url = a.url.replace("http://", "ws://") + "/graphql"
            with connect(ws_url, subprotocols=[PROTOCOL]) as connection:  # type: ignore[list-item]
                ws = real_socket(connection)
                ws.init()
                ws.subscribe("seats", SESSION_SEATS, {"id": session})
                assert ws.next("seats")["sessionSeats"]["seatsLeft"] == SEATS

                _enrol_all(b, students, session_id)

                final = (0, STUDENTS - SEATS)
                received = [ws.next("seats", seconds=60)["sessionSeats"]]
                while (received[-1]["seatsLeft"], received[-1]["waitlistLength"]) != final:
                    received.append(ws.next("seats", seconds=60)["sessionSeats"])

            # The worker is killed while the SMTP server holds its first message;
            # another worker takes over the queue in Redis.
            assert mail.arrived.wait(60), "no e-mail reached the SMTP server"
            worker.kill()
        mail.hold.set()
        with worker_process(env):
            mail.wait_for(lambda: len(mail.messages) >= SEATS, seconds=120)

        # The enrolments on B purged what A had cached: never a stale seat count.
        assert _seats(a, session) == ("MISS", final)
        assert _seats(b, session) == ("HIT", final)

    versions = [r["version"] for r in received]
    assert versions == sorted(set(versions)), "a state came twice or out of order"
    taken = [SEATS - r["seatsLeft"] + r["waitlistLength"] for r in received]
    assert taken == sorted(taken)

    assert raw.seatClaims.count_documents({"delta": 1}) == SEATS
    recipients = [str(message["To"]) for message in mail.messages]
    assert len(recipients) == len(set(recipients)) == SEATS, "an e-mail went twice"
    assert set(recipients) <= {person.email for person in students}
