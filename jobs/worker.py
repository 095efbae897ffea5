"""`leeto worker`: receive jobs from the Redis stream and run the schedule."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Final

from taskiq.receiver import Receiver

from jobs.queue import Jobs
from jobs.schedule import run_schedule

log = logging.getLogger("leeto.jobs.worker")

# Jobs in flight per worker process: each mostly waits on MongoDB or SMTP.
MAX_CONCURRENT_JOBS: Final = 20


async def work(jobs: Jobs, stop: asyncio.Event) -> None:
    """Until `stop` is set: jobs in flight finish, unstarted ones stay queued."""
    jobs.broker.is_worker_process = True
    await jobs.start()
    receiver = Receiver(
        jobs.broker,
        executor=ThreadPoolExecutor(1),
        max_async_tasks=MAX_CONCURRENT_JOBS,
        run_startup=False,
    )
    schedule = asyncio.create_task(run_schedule(jobs.db, jobs.kick, jobs.periodic))
    log.info("worker ready")
    try:
        await receiver.listen(stop)
    finally:
        schedule.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await schedule
        await jobs.stop()
        log.info("worker stopped")
