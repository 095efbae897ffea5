"""A real SMTP server per test, and apps whose jobs run quickly."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pymongo import MongoClient

from server.settings import Settings
from tests.accounts.accounts_helpers import RELAXED
from tests.jobs.jobs_helpers import Raw
from tests.jobs.mail_catcher import MailCatcher, catching_mail

# Retries and periodic jobs in fractions of a second, so tests wait little.
QUICK_JOBS = {
    "job_max_attempts": 3,
    "job_retry_base_seconds": 0.1,
    "outbox_sweep_seconds": 0.5,
    "reminder_scan_seconds": 0.5,
    "cleanup_interval_seconds": 3600,
}


@pytest.fixture
def mail() -> Iterator[MailCatcher]:
    with catching_mail() as catcher:
        yield catcher


@pytest.fixture
def jobs_settings(
    make_settings: Callable[..., Settings], fresh_db_name: str, mail: MailCatcher
) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        return make_settings(
            fresh_db_name, smtp_url=mail.url, **RELAXED, **{**QUICK_JOBS, **overrides}
        )

    return make


@pytest.fixture
def raw(jobs_settings: Callable[..., Settings]) -> Iterator[Raw]:
    """The test's database, read and written directly (dropped afterwards)."""
    settings = jobs_settings()
    client: MongoClient[dict[str, Any]] = MongoClient(settings.database_uri(), tz_aware=True)
    yield client[settings.database_name]
    client.drop_database(settings.database_name)
    client.close()
