"""Wires the background jobs (package jobs/) to the settings and the app."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

from datastore.client import Client, open_client
from datastore.encryption import FieldCipher
from datastore.encryption_keys import KmsSettings
from jobs.config import JobsConfig
from jobs.queue import Jobs
from jobs.schedule import run_schedule
from jobs.store import ensure_job_indexes
from server.security import cipher_from
from server.settings import Settings


def jobs_config(settings: Settings) -> JobsConfig:
    smtp = settings.smtp_url.get_secret_value() if settings.smtp_url else None
    return JobsConfig(
        redis_url=settings.redis_url,
        smtp_url=smtp,
        mail_from=settings.mail_from,
        data_dir=settings.data_dir,
        max_attempts=settings.job_max_attempts,
        retry_base_seconds=settings.job_retry_base_seconds,
        redeliver_seconds=settings.job_redeliver_seconds,
        sweep_seconds=settings.outbox_sweep_seconds,
        reminder_seconds=settings.reminder_scan_seconds,
        cleanup_seconds=settings.cleanup_interval_seconds,
    )


@dataclass
class Background:
    """The jobs of one server process: enqueued only (Redis, `leeto worker` runs
    them), or run here with the schedule (no Redis: development, `make run`).

    They have a database client of their own, as a worker process would: a
    burst of jobs never waits behind requests for connections, and what a
    request costs in commands stays the request's.
    """

    jobs: Jobs
    client: Client
    cipher: FieldCipher
    schedule: asyncio.Task[None] | None

    @classmethod
    async def start(
        cls, settings: Settings, master_key: KmsSettings, *, schedule: bool = True
    ) -> Background:
        """`schedule`: run the periodic jobs here when jobs run in process (one
        process of several serving one database is enough)."""
        client = open_client(settings.database_uri())
        cipher = cipher_from(settings, client, master_key)
        db = client[settings.database_name]
        await cipher.ensure_ready()
        await ensure_job_indexes(db)
        jobs = Jobs(jobs_config(settings), db, cipher)
        await jobs.start()
        task = None
        if jobs.config.in_process and schedule:
            task = asyncio.create_task(run_schedule(db, jobs.kick, jobs.periodic))
        return cls(jobs, client, cipher, task)

    async def close(self) -> None:
        if self.schedule is not None:
            self.schedule.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.schedule
        await self.jobs.stop()
        await self.cipher.close()
        await self.client.close()
