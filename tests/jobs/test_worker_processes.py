"""Real processes on Redis: `leeto serve` enqueues, `leeto worker` runs the jobs.

A worker killed while the SMTP server holds its message is restarted: nothing
is sent twice. Two servers and two workers: the cleanup runs once a period.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pymongo import MongoClient

from tests.accounts.accounts_helpers import RELAXED
from tests.conftest import with_database
from tests.jobs.jobs_helpers import Raw, enroll, make_admin, new_session, people
from tests.jobs.mail_catcher import MailCatcher
from tests.jobs.working import worker_process
from tests.serving import serve_env, serving_process


@pytest.fixture
def database(mongo_uri: str) -> Iterator[tuple[str, Raw]]:
    name = f"leeto_w_{uuid.uuid4().hex[:10]}"
    uri = with_database(mongo_uri, name)
    client: MongoClient[dict[str, Any]] = MongoClient(uri, tz_aware=True)
    yield uri, client[name]
    client.drop_database(name)
    client.close()


@pytest.fixture
def env(
    database: tuple[str, Raw], data_dir: Path, redis_url: str, mail: MailCatcher
) -> Callable[..., dict[str, str]]:
    def make(**extra: str) -> dict[str, str]:
        relaxed = {f"LEETO_{key.upper()}": str(value) for key, value in RELAXED.items()}
        quick = {
            "LEETO_REDIS_URL": redis_url,
            "LEETO_SMTP_URL": mail.url,
            "LEETO_RATE_LIMIT_POINTS": "0",
            "LEETO_JOB_REDELIVER_SECONDS": "2",
            "LEETO_OUTBOX_SWEEP_SECONDS": "0.5",
            "LEETO_REMINDER_SCAN_SECONDS": "3600",
            "LEETO_CLEANUP_INTERVAL_SECONDS": "3600",
        }
        return serve_env(database[0], data_dir, **{**relaxed, **quick, **extra})

    return make


def test_a_worker_killed_mid_send_and_restarted_sends_nothing_twice(
    env: Callable[..., dict[str, str]], database: tuple[str, Raw], mail: MailCatcher
) -> None:
    raw = database[1]
    mail.hold = threading.Event()  # the first message arrives, its answer waits
    with serving_process(env()) as served, httpx.Client(base_url=served.url) as client:
        admin = make_admin(client, raw)
        first, second, third = people(client, 3)
        session_id = new_session(raw, admin, capacity=5, starts_in=timedelta(days=10))
        with worker_process(env()) as worker:
            enroll(client, first, session_id)
            assert mail.arrived.wait(30), "the first message never reached the SMTP server"
            worker.kill()
        mail.hold.set()
        assert mail.notices() == [f"SEATED:{raw.enrollments.find_one()['_id']}"]

        # While no worker runs, the jobs wait in Redis.
        enroll(client, second, session_id)
        enroll(client, third, session_id)
        with worker_process(env()):
            mail.wait_for(lambda: len(mail.messages) == 3)
            # The killed attempt is reported once its redelivery time has passed
            # (the server may or may not have kept that message: here it did).
            deadline = time.monotonic() + 30
            while raw.jobFailures.count_documents({}) == 0:
                assert time.monotonic() < deadline, "the interrupted send was never reported"
                time.sleep(0.1)
            time.sleep(1)  # a further sweep: still nothing sent again

    for person in (first, second, third):
        assert len(mail.to(person.email)) == 1
    assert len(mail.messages) == 3
    (failure,) = raw.jobFailures.find()
    assert failure["lastError"] == "sender stopped mid-send: delivery unknown"
    assert failure["kind"] == "CONFIRMED"


def _expired_tokens(raw: Raw, count: int) -> None:
    past = datetime.now(UTC) - timedelta(days=1)
    raw.refreshTokens.insert_many(
        [{"tokenHash": uuid.uuid4().hex, "expiresAt": past} for _ in range(count)]
    )


def test_the_cleanup_runs_once_per_period_with_two_servers_and_two_workers(
    env: Callable[..., dict[str, str]], database: tuple[str, Raw]
) -> None:
    raw = database[1]
    quick = env(LEETO_CLEANUP_INTERVAL_SECONDS="1")
    with (
        serving_process(quick) as one,
        serving_process(quick) as two,
        worker_process(quick) as worker_a,
        worker_process(quick) as worker_b,
    ):
        _expired_tokens(raw, 5)
        deadline = time.monotonic() + 60
        while raw.jobRuns.count_documents({"job": "cleanup"}) < 4:
            assert time.monotonic() < deadline, "the cleanup did not run"
            time.sleep(0.2)
        time.sleep(0.5)  # the last claimed run finishes
        runs = raw.jobRuns.count_documents({"job": "cleanup"})
        logs = [p.output() for p in (one, two, worker_a, worker_b)]

    assert raw.refreshTokens.count_documents({}) == 0
    cleanups = [log.count("cleanup: ") for log in logs]
    assert cleanups[:2] == [0, 0]  # servers on Redis leave periodic jobs to workers
    assert sum(cleanups) in {runs, runs + 1}  # one claimed run per period, run once
    periods = [doc["period"] for doc in raw.jobRuns.find({"job": "cleanup"})]
    assert len(periods) == len(set(periods))
