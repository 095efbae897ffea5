"""A server stopping while a job sends an e-mail: the job is stopped after its
grace period, quietly (no error logged: nothing failed, the sweep resumes it)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.settings import Settings
from tests.jobs.jobs_helpers import Raw, enroll, make_admin, new_session, people
from tests.jobs.mail_catcher import MailCatcher


def test_a_job_in_flight_at_shutdown_is_stopped_without_an_error(
    jobs_settings: Callable[..., Settings],
    raw: Raw,
    mail: MailCatcher,
    caplog: pytest.LogCaptureFixture,
) -> None:
    mail.hold = threading.Event()
    caplog.set_level(logging.INFO)
    with TestClient(create_app(jobs_settings())) as client:
        admin = make_admin(client, raw)
        session_id = new_session(raw, admin, capacity=5, starts_in=timedelta(days=3))
        [student] = people(client, 1)
        assert enroll(client, student, session_id)["status"] == "ACTIVE"
        assert mail.arrived.wait(30), "the confirmation was never sent"
        # Leaving the block shuts the app down while the SMTP server holds the job.
    messages = [record.getMessage() for record in caplog.records]
    assert any("still running at shutdown, stopped" in m for m in messages), messages
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [(r.name, r.getMessage()) for r in errors]
