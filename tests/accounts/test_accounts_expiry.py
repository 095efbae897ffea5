"""Expired security records: deleted by TTL on MongoDB, pruned by the app on FerretDB."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from datastore.client import Database, server_info
from datastore.expiry import EXPIRING_COLLECTIONS, delete_expired
from datastore.indexes import ensure_indexes


async def test_expired_records_are_deleted_and_live_ones_kept(fresh_async_db: Database) -> None:
    db = fresh_async_db
    now = datetime.now(UTC)
    for collection in EXPIRING_COLLECTIONS:
        await db[collection].insert_many(
            [
                {"_id": "old", "expiresAt": now - timedelta(seconds=1)},
                {"_id": "live", "expiresAt": now + timedelta(hours=1)},
            ]
        )
    assert await delete_expired(db, now) == len(EXPIRING_COLLECTIONS)
    for collection in EXPIRING_COLLECTIONS:
        assert await db[collection].distinct("_id") == ["live"]


async def test_ttl_indexes_exist_exactly_where_the_server_supports_them(
    fresh_async_db: Database,
) -> None:
    db = fresh_async_db
    await ensure_indexes(db)
    await ensure_indexes(db)  # idempotent
    supported = (await server_info(db)).supports_ttl_and_partial_indexes
    for collection in EXPIRING_COLLECTIONS:
        ttl = [
            index
            async for index in await db[collection].list_indexes()
            if "expireAfterSeconds" in index
        ]
        assert len(ttl) == (1 if supported else 0), collection
    names = [index["name"] async for index in await db.refreshTokens.list_indexes()]
    assert "parentHash_unique" in names
