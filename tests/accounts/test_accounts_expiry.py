"""Expired security records: deleted by TTL on MongoDB, pruned by the app on FerretDB."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from pymongo import AsyncMongoClient

from datastore.client import server_info
from datastore.expiry import EXPIRING_COLLECTIONS, delete_expired
from datastore.indexes import ensure_indexes
from server.settings import Settings


async def test_expired_records_are_deleted_and_live_ones_kept(
    make_settings: Callable[..., Settings], fresh_db_name: str
) -> None:
    settings = make_settings(fresh_db_name)
    client: AsyncMongoClient = AsyncMongoClient(settings.database_uri(), tz_aware=True)
    try:
        db = client[fresh_db_name]
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
    finally:
        await client.close()


async def test_ttl_indexes_exist_exactly_where_the_server_supports_them(
    make_settings: Callable[..., Settings], fresh_db_name: str
) -> None:
    settings = make_settings(fresh_db_name)
    client: AsyncMongoClient = AsyncMongoClient(settings.database_uri(), tz_aware=True)
    try:
        db = client[fresh_db_name]
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
    finally:
        await client.close()
