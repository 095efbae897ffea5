"""Campuses: a short list, read whole."""

from __future__ import annotations

from typing import Any

from datastore import collections as names
from datastore.client import Database


async def list_campuses(db: Database) -> list[dict[str, Any]]:
    cursor = db[names.CAMPUSES].find({}).sort([("city", 1), ("_id", 1)])
    return await cursor.to_list()
