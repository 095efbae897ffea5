"""Review reads."""

from __future__ import annotations

from collections.abc import Sequence

from datastore.pages import Doc
from resolvers.context import Context
from resolvers.visibility import visible_courses


async def authors(ctx: Context, reviews: Sequence[Doc]) -> list[Doc | None]:
    docs: list[Doc | None] = await ctx.loaders.user_by_id.load_many(
        [review["authorId"] for review in reviews]
    )
    return docs


async def courses(ctx: Context, reviews: Sequence[Doc]) -> list[Doc | None]:
    """Each review's course, where the viewer may see it."""
    return await visible_courses(ctx, [review["courseId"] for review in reviews])
