"""What the public catalogue shows: published courses, and what hangs off them.

One rule, applied on every path (`course`, `courses`, `node`, `nodes`,
`Session.course`, `Review.course`), so an unpublished course cannot be reached
sideways through one of its sessions or reviews.
"""

from __future__ import annotations

from typing import Any

from resolvers.context import Context


def course_visible(course: dict[str, Any] | None) -> bool:
    return course is not None and bool(course.get("published", False))


async def visible_course(ctx: Context, course_id: Any) -> dict[str, Any] | None:
    course: dict[str, Any] | None = await ctx.loaders.course_by_id.load(course_id)
    return course if course_visible(course) else None


async def child_visible(ctx: Context, child: dict[str, Any]) -> bool:
    """A session or review is public when its course is."""
    return await visible_course(ctx, child["courseId"]) is not None
