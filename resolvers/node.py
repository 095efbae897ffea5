"""`node(id:)` and `nodes(ids:)`: any global ID to its document, batched."""

from __future__ import annotations

import asyncio
from typing import Any

from aiodataloader import DataLoader

from resolvers.context import Context
from resolvers.enrollment import may_see_enrollment
from resolvers.errors import BadUserInput
from resolvers.global_ids import GlobalId, from_global_id
from resolvers.visibility import child_visible, course_visible

MAX_NODES = 100


def _loader_for(ctx: Context, type_name: str) -> DataLoader[Any, Any]:
    loaders = ctx.loaders
    by_type: dict[str, DataLoader[Any, Any]] = {
        "Campus": loaders.campus_by_id,
        "Course": loaders.course_by_id,
        "Session": loaders.session_by_id,
        "User": loaders.user_by_id,
        "Review": loaders.review_by_id,
        "Enrollment": loaders.enrollment_by_id,
    }
    return by_type[type_name]


async def _load(ctx: Context, gid: GlobalId) -> dict[str, Any] | None:
    doc: dict[str, Any] | None = await _loader_for(ctx, gid.type_name).load(gid.id)
    if doc is None:
        return None
    if gid.type_name == "Course" and not course_visible(doc):
        return None
    if gid.type_name in {"Session", "Review"} and not await child_visible(ctx, doc):
        return None
    if gid.type_name == "Enrollment" and not await may_see_enrollment(ctx, doc):
        return None
    return doc


async def node(ctx: Context, value: str) -> tuple[str, dict[str, Any]] | None:
    gid = from_global_id(value)
    doc = await _load(ctx, gid)
    return None if doc is None else (gid.type_name, doc)


async def nodes(ctx: Context, values: list[str]) -> list[tuple[str, dict[str, Any]] | None]:
    if len(values) > MAX_NODES:
        raise BadUserInput(f"`ids` takes at most {MAX_NODES} IDs", argument="ids")
    gids = [from_global_id(v, argument="ids") for v in values]
    docs = await asyncio.gather(*(_load(ctx, gid) for gid in gids))
    return [
        None if doc is None else (gid.type_name, doc) for gid, doc in zip(gids, docs, strict=True)
    ]
