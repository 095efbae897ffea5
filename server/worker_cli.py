"""`leeto worker`: the background jobs of a deployment with Redis."""

from __future__ import annotations

import asyncio
import signal

from datastore.client import open_client
from jobs.queue import Jobs
from jobs.store import ensure_job_indexes
from jobs.worker import work
from server.background import jobs_config
from server.security import cipher_from, kms_from
from server.settings import Settings


class WorkerNotNeeded(Exception):
    """Without Redis the server runs the jobs itself."""


async def run_worker(settings: Settings) -> None:
    """Until SIGTERM or SIGINT; jobs in flight finish, queued ones wait for the next worker."""
    if settings.redis_url is None:
        raise WorkerNotNeeded(
            "`leeto worker` takes its jobs from Redis: set LEETO_REDIS_URL (without it, "
            "`leeto serve` runs the jobs in its own process)"
        )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    client = open_client(settings.database_uri())
    cipher = cipher_from(settings, client, kms_from(settings))
    try:
        db = client[settings.database_name]
        await cipher.ensure_ready()
        await ensure_job_indexes(db)
        await work(Jobs(jobs_config(settings), db, cipher), stop)
    finally:
        await cipher.close()
        await client.close()
