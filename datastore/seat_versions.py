"""A per-session version for seat events, decided by inserts guarded by `_id`.

Subscribers order a session's seat events by this number, whichever process
published them. A counter updated with `$inc` would be the obvious tool, but
on the embedded engine `findAndModify` reads, then writes, and loses
increments under concurrency; so each version is a document `"<session>:<n>"`
and the one writer whose insert of `n` succeeds owns it. A writer that loses
tries the next numbers, then reads the latest again. Works the same on MongoDB.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from bson import ObjectId
from pymongo import DESCENDING
from pymongo.errors import DuplicateKeyError

from datastore import collections as names
from datastore.client import Database

# Lost inserts tried upwards before reading the latest version again.
_PROBES: Final = 8
_MAX_ROUNDS: Final = 1_000


async def latest_seat_version(db: Database, session_id: ObjectId) -> int:
    """The newest version of the session's seat events, 0 before the first."""
    latest = await db[names.SEAT_VERSIONS].find_one(
        {"sessionId": session_id}, sort=[("version", DESCENDING)]
    )
    return 0 if latest is None else int(latest["version"])


async def next_seat_version(db: Database, session_id: ObjectId, *, now: datetime) -> int:
    """Claim the next version of the session's seat events (unique to this caller)."""
    for _ in range(_MAX_ROUNDS):
        version = await latest_seat_version(db, session_id)
        for _probe in range(_PROBES):
            version += 1
            try:
                await db[names.SEAT_VERSIONS].insert_one(
                    {
                        "_id": f"{session_id}:{version}",
                        "sessionId": session_id,
                        "version": version,
                        "createdAt": now,
                    }
                )
            except DuplicateKeyError:
                continue
            return version
    raise RuntimeError(f"no seat version claimed for session {session_id}")
