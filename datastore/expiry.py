"""Documents that expire: security records kept only as long as they matter.

Each carries `expiresAt`. MongoDB deletes them itself through TTL indexes
(see `datastore.indexes`); FerretDB has no TTL indexes, so `delete_expired`
runs from time to time instead. Correctness never depends on deletion: every
reader compares times itself.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from datastore import collections as names
from datastore.client import Database

EXPIRING_COLLECTIONS: Final = (
    names.REFRESH_TOKENS,
    names.REVOKED_TOKEN_FAMILIES,
    names.LOGIN_FAILURES,
    names.SIGN_UP_ATTEMPTS,
)


async def delete_expired(db: Database, now: datetime) -> int:
    deleted = 0
    for collection in EXPIRING_COLLECTIONS:
        result = await db[collection].delete_many({"expiresAt": {"$lte": now}})
        deleted += result.deleted_count
    return deleted
