"""Review reads."""

from __future__ import annotations

from typing import Any

from resolvers.context import Context
from resolvers.visibility import visible_course


async def author(ctx: Context, review: dict[str, Any]) -> dict[str, Any] | None:
    doc: dict[str, Any] | None = await ctx.loaders.user_by_id.load(review["authorId"])
    return doc


async def course(ctx: Context, review: dict[str, Any]) -> dict[str, Any] | None:
    return await visible_course(ctx, review["courseId"])
