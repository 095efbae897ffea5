"""Stored enrolments: insert once per attempt, cancel once, settle the session after.

The rules that make this safe under any interleaving, on the embedded engine
and on MongoDB alike, are explained in `datastore.seating`.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from datastore import collections as names
from datastore.client import Database
from datastore.pages import BATCH_SIZE
from datastore.seating import (
    MAX_SETTLE_ROUNDS,
    ClaimKind,
    Seating,
    claims_of_sessions,
    enrollments_of_sessions,
    insert_claim,
)

Doc = dict[str, Any]

log = logging.getLogger("leeto.enrollment")

__all__ = [
    "CapacityRefused",
    "cancel_enrollment",
    "change_capacity",
    "find_enrollment",
    "insert_enrollment",
    "read_seating",
    "settle",
    "user_enrollments",
]


async def find_enrollment(db: Database, enrollment_id: ObjectId) -> Doc | None:
    return await db[names.ENROLLMENTS].find_one({"_id": enrollment_id})


async def user_enrollments(
    db: Database, user_id: ObjectId, session_id: ObjectId | None = None
) -> list[Doc]:
    query: dict[str, Any] = {"userId": user_id}
    if session_id is not None:
        query["sessionId"] = session_id
    cursor = db[names.ENROLLMENTS].find(query).sort([("createdAt", -1), ("_id", -1)])
    return await cursor.batch_size(BATCH_SIZE).to_list()


async def insert_enrollment(
    db: Database, *, session_id: ObjectId, user_id: ObjectId, attempt: int, now: datetime
) -> Doc | None:
    """A new enrolment, or None when this attempt number is taken (a twin request won)."""
    doc: Doc = {
        "_id": ObjectId(),
        "sessionId": session_id,
        "userId": user_id,
        "attempt": attempt,
        "createdAt": now,
        "updatedAt": now,
    }
    try:
        await db[names.ENROLLMENTS].insert_one(doc)
    except DuplicateKeyError:
        return None
    return doc


async def cancel_enrollment(
    db: Database, enrollment_id: ObjectId, *, now: datetime, reason: str
) -> None:
    """Set `cancelledAt`: the one field written after the insert, so no concurrent
    update of another field can be lost. Cancelling twice keeps the first time."""
    await db[names.ENROLLMENTS].update_one(
        {"_id": enrollment_id, "cancelledAt": {"$exists": False}},
        {"$set": {"cancelledAt": now, "cancelReason": reason, "updatedAt": now}},
    )


# Which free seat a settling writer tries: spreading writers over seats is all
# it does, so any generator will do.
_spread = random.Random()  # noqa: S311 - not security


async def read_seating(db: Database, session_id: ObjectId, capacity: int) -> Seating:
    claims, enrollments = await asyncio.gather(
        claims_of_sessions(db, [session_id]), enrollments_of_sessions(db, [session_id])
    )
    return Seating(capacity=capacity, enrollments=enrollments, claims=claims)


async def settle(
    db: Database,
    session_id: ObjectId,
    capacity: int,
    *,
    now: datetime,
    seated: list[ObjectId] | None = None,
) -> Seating:
    """Fill free seats from the waitlist, in order, until nothing is left to do.

    Each round reads the session and inserts one claim; a refused insert means
    another writer moved first, and the next round sees what it did. The
    enrolments this writer's claims seated are added to `seated`: whoever wins
    a claim reports it, so each seating is reported once.
    """
    for _ in range(MAX_SETTLE_ROUNDS):
        seating = await read_seating(db, session_id, capacity)
        action = seating.next_action(_spread.randrange)
        if action is None:
            return seating
        won = await insert_claim(db, session_id, action, now=now)
        if won and seated is not None and action.kind is ClaimKind.SEAT:
            seated.append(action.holder_id)
    log.warning("session %s not settled after %d rounds", session_id, MAX_SETTLE_ROUNDS)
    return await read_seating(db, session_id, capacity)


@dataclass(frozen=True, slots=True)
class CapacityRefused(Exception):
    """Why a capacity change did not happen."""

    reason: str
    highest_taken: int = 0


# A capacity change that died half-way must not block the session for ever.
STALE_LOCK = timedelta(minutes=5)


async def _lock_capacity(db: Database, session: Doc, now: datetime) -> int:
    """One capacity change per session at a time: an insert keyed by the next version."""
    version = int(session.get("capacityVersion", 0)) + 1
    for _ in range(10):
        try:
            await db[names.CAPACITY_CHANGES].insert_one(
                {"_id": f"{session['_id']}:{version}", "sessionId": session["_id"], "at": now}
            )
        except DuplicateKeyError:
            held = await db[names.CAPACITY_CHANGES].find_one({"_id": f"{session['_id']}:{version}"})
            if held is None or now - held["at"] < STALE_LOCK:
                raise CapacityRefused("busy") from None
            version += 1
            continue
        return version
    raise CapacityRefused("busy")


async def change_capacity(
    db: Database,
    session: Doc,
    capacity: int,
    *,
    now: datetime,
    seated: list[ObjectId] | None = None,
) -> Seating:
    """Change a session's capacity without ever seating more students than it has.

    A decrease first blocks the seats it removes with BLOCK claims, each one an
    insert that fails if a student takes the seat at that moment; only then is
    the smaller capacity stored. A seat a student holds refuses the decrease.
    An increase stores the capacity, lifts earlier blocks and seats waiting
    students.
    """
    session_id: ObjectId = session["_id"]
    old = int(session["capacity"])
    version = await _lock_capacity(db, session, now)
    try:
        await _place_blocks(db, session_id, old, capacity, now=now)
    except CapacityRefused:
        await db[names.SESSIONS].update_one(
            {"_id": session_id}, {"$set": {"capacityVersion": version}}
        )
        # Blocks placed and lifted again left seats free that waiting students
        # may have been refused meanwhile.
        await settle(db, session_id, old, now=now, seated=seated)
        raise
    await db[names.SESSIONS].update_one(
        {"_id": session_id},
        {"$set": {"capacity": capacity, "capacityVersion": version, "updatedAt": now}},
    )
    if capacity > old:
        await _lift_blocks(db, session_id, capacity, range(old + 1, capacity + 1), now=now)
    return await settle(db, session_id, capacity, now=now, seated=seated)


async def _place_blocks(
    db: Database, session_id: ObjectId, old: int, capacity: int, *, now: datetime
) -> None:
    if capacity < old:
        placed: list[int] = []
        for seat in range(capacity + 1, old + 1):
            while True:
                seating = await read_seating(db, session_id, old)
                taken = seating.occupied_above(capacity)
                if taken:
                    await _lift_blocks(db, session_id, old, placed, now=now)
                    raise CapacityRefused("taken", highest_taken=taken[-1])
                if seating.blocked(seat):
                    break
                action = seating.claim(seat, ClaimKind.BLOCK, ObjectId())
                if await insert_claim(db, session_id, action, now=now):
                    placed.append(seat)
                    break


async def _lift_blocks(
    db: Database, session_id: ObjectId, capacity: int, seats: Any, *, now: datetime
) -> None:
    wanted = set(seats)
    for _ in range(MAX_SETTLE_ROUNDS):
        seating = await read_seating(db, session_id, capacity)
        blocked = [seat for seat in sorted(wanted) if seating.blocked(seat)]
        if not blocked:
            return
        for seat in blocked:
            action = seating.claim(seat, ClaimKind.VACANT, ObjectId())
            await insert_claim(db, session_id, action, now=now)


async def cancel_session_enrollments(
    db: Database, session_id: ObjectId, *, now: datetime
) -> list[ObjectId]:
    """Cancel every live enrolment of a cancelled session; their ids."""
    live = await db[names.ENROLLMENTS].distinct(
        "_id", {"sessionId": session_id, "cancelledAt": {"$exists": False}}
    )
    await db[names.ENROLLMENTS].update_many(
        {"sessionId": session_id, "cancelledAt": {"$exists": False}},
        {"$set": {"cancelledAt": now, "cancelReason": "SESSION_CANCELLED", "updatedAt": now}},
    )
    return list(live)
