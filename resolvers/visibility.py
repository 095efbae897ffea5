"""What a viewer may see of the catalogue: the one visibility rule.

The public catalogue shows published courses that are not archived, and what
hangs off them. A course's managers (its instructors and administrators, see
`auth.rules.may_manage_course`) also see it while it is a draft or archived.
Applied on every path (`course`, `courses`, `node`, `nodes`, `Session.course`,
`Review.course`), so a hidden course cannot be reached sideways through one of
its sessions or reviews.
"""

from __future__ import annotations

from typing import Any

from resolvers.authorization import may_manage_course
from resolvers.context import Context


def course_public(course: dict[str, Any] | None) -> bool:
    """In the public catalogue: published and not archived."""
    return (
        course is not None
        and bool(course.get("published", False))
        and course.get("archivedAt") is None
    )


async def course_readable(ctx: Context, course: dict[str, Any] | None) -> bool:
    """Public, or managed by the viewer (drafts and archived courses)."""
    if course is None:
        return False
    return course_public(course) or await may_manage_course(ctx, course)


async def visible_course(ctx: Context, course_id: Any) -> dict[str, Any] | None:
    course: dict[str, Any] | None = await ctx.loaders.course_by_id.load(course_id)
    return course if await course_readable(ctx, course) else None


async def visible_courses(ctx: Context, course_ids: list[Any]) -> list[dict[str, Any] | None]:
    """`visible_course` for many: one load; drafts are checked one by one (rare)."""
    docs: list[dict[str, Any] | None] = await ctx.loaders.course_by_id.load_many(course_ids)
    return [
        course if course_public(course) or await course_readable(ctx, course) else None
        for course in docs
    ]


async def child_visible(ctx: Context, child: dict[str, Any]) -> bool:
    """A session or review is visible when its course is."""
    return await visible_course(ctx, child["courseId"]) is not None
