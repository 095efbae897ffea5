"""Attempt logs for throttling: one inserted document per attempt, counted over a window.

Inserts are atomic on every engine we support, so an attempt is recorded
*before* it is judged: concurrent attempts then see each other, and a burst
of parallel guesses cannot slip through before the first failure is written.
Counting is a plain query, so it works where updates are not atomic (FerretDB).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bson import ObjectId

from datastore.client import Database

__all__ = ["RecentAttempts", "forget_attempts", "forget_key", "recent_attempts", "record_attempts"]


@dataclass(frozen=True, slots=True)
class RecentAttempts:
    """Attempts under one key since some moment, newest first (at most `limit` read)."""

    count: int
    newest: datetime | None
    oldest: datetime | None


async def record_attempts(
    db: Database, collection: str, keys: Sequence[str], *, now: datetime, expires_at: datetime
) -> list[ObjectId]:
    """One document per key; returns their ids so the caller can withdraw them."""
    ids = [ObjectId() for _ in keys]
    await db[collection].insert_many(
        [
            {"_id": _id, "key": key, "at": now, "expiresAt": expires_at}
            for _id, key in zip(ids, keys, strict=True)
        ]
    )
    return ids


async def recent_attempts(
    db: Database,
    collection: str,
    key: str,
    *,
    since: datetime,
    excluding: Sequence[ObjectId] = (),
    limit: int,
    failed_only: bool = False,
) -> RecentAttempts:
    """Attempts under `key` since a time; with `failed_only`, not those still running."""
    query: dict[str, Any] = {"key": key, "at": {"$gte": since}, "_id": {"$nin": list(excluding)}}
    if failed_only:
        query["failed"] = True
    cursor = db[collection].find(query, {"at": 1}).sort("at", -1).limit(limit)
    moments = [doc["at"] async for doc in cursor]
    if not moments:
        return RecentAttempts(count=0, newest=None, oldest=None)
    return RecentAttempts(count=len(moments), newest=moments[0], oldest=moments[-1])


async def forget_attempts(db: Database, collection: str, ids: Sequence[ObjectId]) -> None:
    if ids:
        await db[collection].delete_many({"_id": {"$in": list(ids)}})


async def forget_key(db: Database, collection: str, key: str) -> None:
    await db[collection].delete_many({"key": key})


async def mark_failed(db: Database, collection: str, ids: Sequence[ObjectId]) -> None:
    """An attempt that ran and failed (one that is still running has no mark)."""
    if ids:
        await db[collection].update_many({"_id": {"$in": list(ids)}}, {"$set": {"failed": True}})
