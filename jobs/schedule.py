"""Periodic jobs, run once per period however many schedulers run.

Each scheduler wakes at the boundaries of every job's period and claims the
period with an insert (jobs.store.claim_run); only the winner enqueues. So
`leeto worker` may run on several machines, and in-process mode on several
servers, and the cleanup still runs once per period. taskiq's own scheduler
fires on cron minutes in every scheduler process; this needs neither a
single designated scheduler nor whole minutes.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from datastore.client import Database
from jobs.store import claim_run

log = logging.getLogger("leeto.jobs.schedule")


@dataclass(frozen=True, slots=True)
class Periodic:
    task: str
    interval: float

    def period(self, at: float) -> int:
        return int(at // self.interval)


async def run_schedule(
    db: Database, kick: Callable[[str], Awaitable[None]], jobs: Sequence[Periodic]
) -> None:
    """Until cancelled. The first run of each job is at its next boundary, not at
    start, so a starting process does not add full scans to its first requests."""
    last = {job.task: job.period(time.time()) for job in jobs}
    while True:
        now = time.time()
        wake = min((job.period(now) + 1) * job.interval for job in jobs)
        await asyncio.sleep(max(wake - now, 0.01))
        now = time.time()
        for job in jobs:
            period = job.period(now)
            if period == last[job.task]:
                continue
            last[job.task] = period
            try:
                if await claim_run(db, job.task, job.interval, period, datetime.now(UTC)):
                    await kick(job.task)
            except Exception as exc:  # the schedule outlives a failed round
                log.warning("periodic job %s not started: %s", job.task, type(exc).__name__)
