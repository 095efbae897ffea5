"""Session reads."""

from __future__ import annotations

from typing import Any

from resolvers.context import Context
from resolvers.visibility import visible_course


async def course(ctx: Context, session: dict[str, Any]) -> dict[str, Any] | None:
    return await visible_course(ctx, session["courseId"])


async def campus(ctx: Context, session: dict[str, Any]) -> dict[str, Any] | None:
    campus_id = session.get("campusId")
    if campus_id is None:
        return None
    doc: dict[str, Any] | None = await ctx.loaders.campus_by_id.load(campus_id)
    return doc


async def instructor(ctx: Context, session: dict[str, Any]) -> dict[str, Any] | None:
    doc: dict[str, Any] | None = await ctx.loaders.user_by_id.load(session["instructorId"])
    return doc


async def seats_left(ctx: Context, session: dict[str, Any]) -> int:
    taken: int = await ctx.loaders.seats_taken_by_session.load(session["_id"])
    return max(0, int(session["capacity"]) - taken)
