"""A mail server that refuses everything: retries, then a dead letter only
administrators see."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from starlette.testclient import TestClient

from server.app import create_app
from server.settings import Settings
from tests.jobs.jobs_helpers import JOB_FAILURES, Raw, enroll, gql, make_admin, new_session, people
from tests.jobs.mail_catcher import MailCatcher


def _failures(client: TestClient, token: str) -> dict[str, Any]:
    return gql(client, JOB_FAILURES, {"first": 10}, token=token)


def test_refused_mail_is_retried_then_listed_for_administrators_only(
    jobs_settings: Callable[..., Settings], raw: Raw, mail: MailCatcher
) -> None:
    mail.refuse = True
    with TestClient(create_app(jobs_settings(job_max_attempts=3))) as client:
        admin = make_admin(client, raw)
        (student,) = people(client, 1)
        session_id = new_session(raw, admin, capacity=2, starts_in=timedelta(days=10))
        enroll(client, student, session_id)

        deadline = time.monotonic() + 30
        while not (found := _failures(client, admin.token))["data"]["jobFailures"]["edges"]:
            assert time.monotonic() < deadline, "no dead letter"
            time.sleep(0.1)
        page = found["data"]["jobFailures"]
        assert page["totalCount"] == 1
        failure = page["edges"][0]["node"]
        assert failure["kind"] == "CONFIRMED"
        assert failure["attempts"] == 3
        assert failure["lastError"] == "SMTP reply 451"
        assert student.email not in str(found)
        assert mail.refused == 3  # three attempts reached the server, none more
        attempts = list(raw.mailDeliveries.find().sort("attempt", 1))
        assert [(a["attempt"], a["state"]) for a in attempts] == [
            (1, "FAILED"),
            (2, "FAILED"),
            (3, "FAILED"),
        ]
        # Back-off: the waits between attempts are at least 0.1 s, then 0.2 s.
        gaps = [
            (later["startedAt"] - earlier["startedAt"]).total_seconds()
            for earlier, later in itertools.pairwise(attempts)
        ]
        assert gaps[0] >= 0.1
        assert gaps[1] >= 0.2

        refused = _failures(client, student.token)
        assert refused["data"] is None
        assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        anonymous = _failures(client, "")
        assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert mail.messages == []
