"""Campus reads."""

from __future__ import annotations

from typing import Any

from datastore.campus import list_campuses
from resolvers.context import Context


async def campuses(ctx: Context) -> list[dict[str, Any]]:
    docs = await list_campuses(ctx.db)
    for doc in docs:
        ctx.loaders.campus_by_id.prime(doc["_id"], doc)
    return docs
