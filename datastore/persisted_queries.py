"""Automatic persisted queries: document text by its SHA-256, shared by every process.

Keyed by `_id` (the hash), so registering is an insert guarded by the `_id`
index — atomic on MongoDB and on the embedded engine alike — and registering
the same document twice is harmless.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import UTC, datetime

from pymongo.errors import DuplicateKeyError

from datastore import collections as names
from datastore.client import Database


async def find_persisted_query(db: Database, sha256_hash: str) -> str | None:
    doc = await db[names.PERSISTED_QUERIES].find_one({"_id": sha256_hash})
    if doc is None:
        return None
    query = doc.get("query")
    return query if isinstance(query, str) else None


async def insert_persisted_query(db: Database, sha256_hash: str, query: str) -> None:
    """Store the document under its hash; a document already stored stays as it is."""
    # Another request or process may have registered it first: same hash, same text.
    with suppress(DuplicateKeyError):
        await db[names.PERSISTED_QUERIES].insert_one(
            {"_id": sha256_hash, "query": query, "createdAt": datetime.now(UTC)}
        )
