"""The queue: a taskiq broker with Leeto's tasks, retries and dead letters.

Why taskiq: asyncio from end to end (our stack is), tasks are plain async
functions, and one interface covers an in-memory broker (development: jobs
run in the server process, nothing to install) and a Redis stream
(production: jobs outlive the process that enqueued them, a worker that dies
leaves its job unacknowledged, and another worker claims it after
LEETO_JOB_REDELIVER_SECONDS).
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from bson import ObjectId
from taskiq import AsyncBroker, InMemoryBroker, TaskiqMessage, TaskiqMiddleware, TaskiqResult
from taskiq.kicker import AsyncKicker

from datastore.client import Database
from datastore.encryption import FieldCipher
from datastore.expiry import delete_expired
from jobs.config import JobsConfig
from jobs.delivery import Postman
from jobs.mail import Mailer, MailNotSent, mailer_for
from jobs.notices import (
    Notice,
    all_recent_notices,
    changed_session_notices,
    reminder_notices,
)
from jobs.schedule import Periodic
from jobs.store import (
    DeliveryState,
    finish_attempt,
    forget_runs,
    histories,
    record_failure,
    stale_sending,
)

log = logging.getLogger("leeto.jobs")

QUEUE_NAME: Final = "leeto:jobs"
CONSUMER_GROUP: Final = "leeto-workers"
DELIVER: Final = "deliver"
NOTIFY_SESSION: Final = "notify_session"
SWEEP: Final = "sweep_outbox"
REMINDERS: Final = "send_reminders"
CLEANUP: Final = "cleanup"
UNKNOWN_OUTCOME: Final = "sender stopped mid-send: delivery unknown"
# Period claims are kept this long (they only need to outlive their period).
RUNS_KEPT: Final = timedelta(days=2)
STOP_GRACE_SECONDS: Final = 5.0
CANCEL_ROUNDS: Final = 3
CANCEL_WAIT_SECONDS: Final = 1.0
# Writes to one session within this time share one `notify_session` job: a
# burst of enrolments (a popular session opening) costs a few scans, not one each.
NOTIFY_COALESCE_SECONDS: Final = 0.5


class _NoTracebacks(logging.Filter):
    """taskiq logs a failed task with its traceback; Leeto's logs carry none
    (the retry middleware logs the failure in one line). A task cancelled
    because its process stops is no failure at all (see `_finish_or_cancel`):
    its record is dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and isinstance(record.exc_info[1], asyncio.CancelledError):
            return False
        record.exc_info = None
        record.exc_text = None
        return True


logging.getLogger("taskiq.receiver.receiver").addFilter(_NoTracebacks())


def safe_error(exc: BaseException) -> str:
    """A failure as shown to administrators: never a message that could quote
    an address or a document."""
    if isinstance(exc, MailNotSent):
        return exc.reason
    return type(exc).__name__


def _label(message: TaskiqMessage, name: str, default: float) -> float:
    value = message.labels.get(name)
    return default if value is None else float(value)


class RetryWithBackoff(TaskiqMiddleware):
    """A failed job is sent again after base * 2^(attempt-1) seconds; after the
    last attempt it becomes a dead letter in MongoDB (`jobFailures`).

    The wait happens in `pre_execute`, on whichever worker receives the retry:
    the message stays unacknowledged meanwhile, so a worker dying during the
    wait loses nothing. (taskiq's SmartRetryMiddleware needs a schedule source
    to delay at all.)
    """

    def __init__(self, db: Database, config: JobsConfig) -> None:
        super().__init__()
        self.db = db
        self.config = config

    async def pre_execute(self, message: TaskiqMessage) -> TaskiqMessage:
        wait = _label(message, "not_before", 0.0) - time.time()
        if wait > 0:
            await asyncio.sleep(wait)
        return message

    async def on_error(
        self, message: TaskiqMessage, result: TaskiqResult[Any], exception: BaseException
    ) -> None:
        if isinstance(exception, asyncio.CancelledError):
            return  # stopped with its process: not a failure; the sweep finds its work
        attempt = int(_label(message, "attempt", 1))
        error = safe_error(exception)
        if attempt < self.config.max_attempts:
            delay = self.config.backoff(attempt)
            log.warning(
                "job %s failed (attempt %d of %d: %s); retrying in %.1f s",
                message.task_name,
                attempt,
                self.config.max_attempts,
                error,
                delay,
            )
            kicker: AsyncKicker[Any, Any] = AsyncKicker(
                task_name=message.task_name, broker=self.broker, labels=message.labels
            ).with_labels(attempt=attempt + 1, not_before=time.time() + delay)
            await kicker.kiq(*message.args, **message.kwargs)
            return
        log.warning("job %s failed %d times (%s): dead letter", message.task_name, attempt, error)
        await dead_letter(self.db, message.task_name, list(message.args), attempt, error)


async def dead_letter(db: Database, task: str, args: list[Any], attempts: int, error: str) -> None:
    ref, kind = f"{task}:{ObjectId()}", task
    if task == DELIVER:
        notice = Notice.from_args(*args)
        ref, kind = notice.key, notice.kind.value
    await record_failure(
        db,
        ref=ref,
        task=task,
        kind=kind,
        args=args,
        attempts=attempts,
        error=error,
        now=datetime.now(UTC),
    )


async def _finish_or_cancel(broker: InMemoryBroker) -> None:
    """In process, jobs in flight get a moment to finish; then they stop (what
    they left undone, the next process's sweep finds)."""
    running = list(broker._running_tasks)
    if not running:
        return
    _done, pending = await asyncio.wait(running, timeout=STOP_GRACE_SECONDS)
    if not pending:
        return
    log.info("jobs: %d still running at shutdown, stopped (the sweep resumes them)", len(pending))
    # A job may wait again while it unwinds (aiosmtplib says QUIT to a server
    # that may never answer): cancel it again rather than wait for its time-out.
    for _ in range(CANCEL_ROUNDS):
        for task in pending:
            task.cancel()
        _done, pending = await asyncio.wait(pending, timeout=CANCEL_WAIT_SECONDS)
        if not pending:
            return


def _broker(config: JobsConfig) -> AsyncBroker:
    if config.redis_url is None:
        return InMemoryBroker()
    # Imported only when used: redis-py loads OpenTelemetry, which stays out of a
    # process that does not trace (tests/server/test_tracing.py).
    from taskiq_redis import RedisStreamBroker

    return RedisStreamBroker(
        config.redis_url,
        queue_name=QUEUE_NAME,
        consumer_group_name=CONSUMER_GROUP,
        # Messages enqueued before the first worker starts are kept for it.
        consumer_id="0",
        idle_timeout=int(config.redeliver_seconds * 1000),
    )


class Jobs:
    """The broker with every task registered; what the API and the scheduler kick."""

    def __init__(
        self,
        config: JobsConfig,
        db: Database,
        cipher: FieldCipher,
        *,
        mailer: Mailer | None = None,
    ) -> None:
        self.config = config
        self.db = db
        self.mailer = mailer or mailer_for(config.smtp_url, config.data_dir)
        self.postman = Postman(db, cipher, self.mailer, config.mail_from)
        self.broker = _broker(config)
        self.broker.add_middlewares(RetryWithBackoff(db, config))
        self._register()
        self._due: set[ObjectId] = set()
        # Notices this process enqueued, and when: while their `deliver` job is
        # queued, later scans of the same session do not enqueue it again.
        self._enqueued: dict[str, float] = {}
        self._waiting: set[asyncio.Task[None]] = set()

    @property
    def periodic(self) -> list[Periodic]:
        return [
            Periodic(SWEEP, self.config.sweep_seconds),
            Periodic(REMINDERS, self.config.reminder_seconds),
            Periodic(CLEANUP, self.config.cleanup_seconds),
        ]

    async def start(self) -> None:
        try:
            await self.broker.startup()
        except Exception as exc:  # Redis down: serve anyway; the sweep catches up
            log.warning("job queue unavailable at start: %s", type(exc).__name__)
        log.info("jobs: %s; mail to %s", self.describe(), self.mailer.describe())

    async def stop(self) -> None:
        for waiting in list(self._waiting):
            waiting.cancel()  # not enqueued: the sweep finds their notices
        await asyncio.gather(*self._waiting, return_exceptions=True)
        if isinstance(self.broker, InMemoryBroker):
            await _finish_or_cancel(self.broker)
        await self.broker.shutdown()

    def describe(self) -> str:
        if self.config.in_process:
            return "run in this process (no LEETO_REDIS_URL)"
        return "queued in Redis for `leeto worker`"

    async def kick(self, task: str, *args: str, attempt: int = 1) -> None:
        kicker = self.broker.find_task(task)
        assert kicker is not None, task
        await kicker.kicker().with_labels(attempt=attempt).kiq(*args)

    async def enrollments_changed(self, session_id: ObjectId) -> None:
        """After an enrolment write: look for notices in this session shortly.
        If this is lost (the process dies, Redis is down), the sweep finds them."""
        if session_id in self._due:
            return  # a job not yet enqueued will read this write too
        self._due.add(session_id)
        waiting = asyncio.create_task(self._notify_soon(session_id))
        self._waiting.add(waiting)
        waiting.add_done_callback(self._waiting.discard)

    async def _notify_soon(self, session_id: ObjectId) -> None:
        await asyncio.sleep(NOTIFY_COALESCE_SECONDS)
        # Released before enqueuing: a write from now on asks for another job.
        self._due.discard(session_id)
        try:
            await self.kick(NOTIFY_SESSION, str(session_id))
        except Exception as exc:  # the write succeeded; the sweep will catch up
            log.warning(
                "notices of session %s left to the sweep: %s", session_id, type(exc).__name__
            )

    async def _enqueue_unsent(self, notices: list[Notice]) -> int:
        """Enqueue each notice no attempt was ever made for."""
        now = time.monotonic()
        recent = now - self.config.redeliver_seconds
        self._enqueued = {key: at for key, at in self._enqueued.items() if at > recent}
        candidates = [n for n in notices if n.key not in self._enqueued]
        tried = await histories(self.db, [n.key for n in candidates])
        fresh = {n.key: n for n in candidates if n.key not in tried}
        for notice in fresh.values():
            await self.kick(DELIVER, *notice.args())
            self._enqueued[notice.key] = now
        return len(fresh)

    def _register(self) -> None:
        jobs = self

        async def notify_session(session_id: str) -> int:
            notices = await changed_session_notices(
                jobs.db, ObjectId(session_id), datetime.now(UTC)
            )
            return await jobs._enqueue_unsent(notices)

        async def deliver(kind: str, enrollment_id: str, session_id: str) -> str:
            return await jobs.postman.deliver(Notice.from_args(kind, enrollment_id, session_id))

        async def sweep_outbox() -> int:
            now = datetime.now(UTC)
            enqueued = await jobs._enqueue_unsent(await all_recent_notices(jobs.db, now))
            if enqueued:
                log.info("outbox sweep: %d notice(s) had not been enqueued", enqueued)
            await jobs._give_up_unknown(now)
            return enqueued

        async def send_reminders() -> int:
            return await jobs._enqueue_unsent(await reminder_notices(jobs.db, datetime.now(UTC)))

        async def cleanup() -> int:
            now = datetime.now(UTC)
            deleted = await delete_expired(jobs.db, now)
            await forget_runs(jobs.db, now - RUNS_KEPT)
            log.info("cleanup: %d expired security record(s) deleted", deleted)
            return deleted

        for task in (notify_session, deliver, sweep_outbox, send_reminders, cleanup):
            self.broker.register_task(task, task_name=task.__name__)

    async def _give_up_unknown(self, now: datetime) -> None:
        """Attempts whose sender died mid-send become dead letters, once: not
        resent (the server may have accepted them), but not forgotten either."""
        stale = now - timedelta(seconds=self.config.redeliver_seconds)
        for attempt in await stale_sending(self.db, stale):
            await record_failure(
                self.db,
                ref=attempt["key"],
                task=DELIVER,
                kind=attempt["kind"],
                args=attempt["args"],
                attempts=int(attempt["attempt"]),
                error=UNKNOWN_OUTCOME,
                now=now,
            )
            await finish_attempt(
                self.db,
                attempt["key"],
                int(attempt["attempt"]),
                DeliveryState.FAILED,
                now,
                UNKNOWN_OUTCOME,
            )
