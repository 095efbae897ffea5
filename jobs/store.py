"""What jobs keep in MongoDB: delivery attempts, period claims and dead letters.

Every guarantee rests on the one primitive atomic on both engines, an insert
that a unique `_id` may refuse (see datastore.seating): an attempt to send a
notice is claimed by inserting `<key>#<attempt>`, a periodic run by inserting
`<job>:<interval>:<period>`. Each document is then written only by the writer
whose insert won, so the embedded engine's non-atomic updates lose nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Final

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from datastore.client import Database
from datastore.keyset import SortSpec
from datastore.pages import BATCH_SIZE, Page, Window, find_page

DELIVERIES: Final = "mailDeliveries"
JOB_RUNS: Final = "jobRuns"
JOB_FAILURES: Final = "jobFailures"

INDEXES: Final = {
    DELIVERIES: [IndexModel([("key", ASCENDING)], name="key")],
    JOB_RUNS: [IndexModel([("at", ASCENDING)], name="at")],
    JOB_FAILURES: [
        # One dead letter per notice (or per job run): a second failure of the
        # same thing is the same letter.
        IndexModel([("ref", ASCENDING)], unique=True, name="ref_unique"),
        IndexModel([("failedAt", DESCENDING)], name="failedAt"),
    ],
}

FAILURE_ORDER: Final = SortSpec(
    tag="jobFailure:newest", field="failedAt", descending=True, kind="d"
)

Doc = dict[str, Any]


class DeliveryState(StrEnum):
    SENDING = "SENDING"  # claimed; the outcome is known only once updated
    SENT = "SENT"
    FAILED = "FAILED"  # the SMTP server refused or could not be reached: not sent
    SKIPPED = "SKIPPED"  # nothing to send (deleted account, cancelled since)


async def ensure_job_indexes(db: Database) -> None:
    for collection, models in INDEXES.items():
        for model in models:
            await db[collection].create_indexes([model])


@dataclass(frozen=True, slots=True)
class History:
    """The attempts made so far to deliver one notice, oldest first."""

    attempts: list[Doc]

    @property
    def done(self) -> bool:
        return any(a["state"] in {DeliveryState.SENT, DeliveryState.SKIPPED} for a in self.attempts)

    @property
    def latest(self) -> Doc | None:
        return self.attempts[-1] if self.attempts else None

    @property
    def next_attempt(self) -> int:
        return 1 + max((int(a["attempt"]) for a in self.attempts), default=0)


async def histories(db: Database, keys: Iterable[str]) -> dict[str, History]:
    """Each key's attempts (keys never tried are absent)."""
    wanted = list(set(keys))
    if not wanted:
        return {}
    cursor = db[DELIVERIES].find({"key": {"$in": wanted}}).sort("attempt", ASCENDING)
    found: dict[str, list[Doc]] = {}
    for doc in await cursor.batch_size(BATCH_SIZE).to_list():
        found.setdefault(doc["key"], []).append(doc)
    return {key: History(docs) for key, docs in found.items()}


async def claim_attempt(
    db: Database, key: str, args: list[str], attempt: int, now: datetime
) -> bool:
    """Claim attempt number `attempt` of a notice (`args` are its job's, ids
    only); False when another writer has it."""
    try:
        await db[DELIVERIES].insert_one(
            {
                "_id": f"{key}#{attempt}",
                "key": key,
                "kind": args[0],
                "args": args,
                "attempt": attempt,
                "state": DeliveryState.SENDING.value,
                "startedAt": now,
            }
        )
    except DuplicateKeyError:
        return False
    return True


async def finish_attempt(
    db: Database,
    key: str,
    attempt: int,
    state: DeliveryState,
    now: datetime,
    error: str | None = None,
) -> None:
    await db[DELIVERIES].update_one(
        {"_id": f"{key}#{attempt}"},
        {"$set": {"state": state.value, "finishedAt": now, "error": error}},
    )


async def stale_sending(db: Database, before: datetime) -> list[Doc]:
    """Attempts claimed before `before` and never finished: their sender died
    between the claim and the SMTP server's answer."""
    cursor = db[DELIVERIES].find(
        {"state": DeliveryState.SENDING.value, "startedAt": {"$lt": before}}
    )
    return await cursor.batch_size(BATCH_SIZE).to_list()


async def claim_run(db: Database, job: str, interval: float, period: int, now: datetime) -> bool:
    """Claim one period of a periodic job: True for exactly one scheduler."""
    try:
        await db[JOB_RUNS].insert_one(
            {"_id": f"{job}:{interval:g}:{period}", "job": job, "period": period, "at": now}
        )
    except DuplicateKeyError:
        return False
    return True


async def runs_of(db: Database, job: str) -> list[Doc]:
    cursor = db[JOB_RUNS].find({"job": job}).sort("at", ASCENDING)
    return await cursor.batch_size(BATCH_SIZE).to_list()


async def forget_runs(db: Database, before: datetime) -> int:
    result = await db[JOB_RUNS].delete_many({"at": {"$lt": before}})
    return result.deleted_count


async def record_failure(
    db: Database,
    *,
    ref: str,
    task: str,
    kind: str,
    args: list[Any],
    attempts: int,
    error: str,
    now: datetime,
) -> bool:
    """A dead letter; False when this thing already has one."""
    try:
        await db[JOB_FAILURES].insert_one(
            {
                "_id": ObjectId(),
                "ref": ref,
                "task": task,
                "kind": kind,
                "args": args,
                "attempts": attempts,
                "lastError": error,
                "failedAt": now,
            }
        )
    except DuplicateKeyError:
        return False
    return True


async def failure_page(db: Database, window: Window) -> Page:
    return await find_page(db[JOB_FAILURES], {}, FAILURE_ORDER, window=window)


async def failure_count(db: Database) -> int:
    return await db[JOB_FAILURES].count_documents({})


async def take_failure(db: Database, failure_id: ObjectId) -> Doc | None:
    """Remove a dead letter to retry it; None when absent (or taken by another admin)."""
    doc = await db[JOB_FAILURES].find_one({"_id": failure_id})
    if doc is None:
        return None
    result = await db[JOB_FAILURES].delete_one({"_id": failure_id})
    return doc if result.deleted_count == 1 else None
