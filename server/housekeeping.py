"""Deletes expired security records where the database cannot (no TTL indexes on FerretDB)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from pymongo.errors import PyMongoError

from datastore.client import Database
from datastore.expiry import delete_expired

log = logging.getLogger("leeto.housekeeping")

PRUNE_INTERVAL_SECONDS = 600.0


async def prune_expired_forever(db: Database, interval: float = PRUNE_INTERVAL_SECONDS) -> None:
    """Run until cancelled; a failed round is logged and retried at the next one.

    The first round waits one interval, so start-up and the first requests are
    not slowed by full scans (FerretDB has no TTL, and uses no indexes for them).
    """
    while True:
        await asyncio.sleep(interval)
        try:
            deleted = await delete_expired(db, datetime.now(UTC))
        except PyMongoError as exc:
            log.warning("pruning expired records failed: %s", type(exc).__name__)
        else:
            if deleted:
                log.info("pruned %d expired security record(s)", deleted)
