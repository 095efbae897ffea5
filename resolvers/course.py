"""Catalogue reads: checks arguments, asks the datastore, returns documents."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from datastore.course import COURSE_ORDERS, CourseFilter, CourseOrder, count_courses, find_courses
from datastore.loaders import REVIEW_ORDER, SESSION_ORDER
from datastore.pages import ChildCountKey, ChildPageKey, Doc, Page
from resolvers.context import Context
from resolvers.errors import BadUserInput
from resolvers.global_ids import expect_global_id
from resolvers.pagination import page_window
from resolvers.times import TimeOutOfRange, to_utc
from resolvers.visibility import course_readable

MAX_SEARCH_LENGTH = 200


@dataclass(frozen=True, slots=True)
class CourseFilterArgs:
    track: str | None = None
    level: str | None = None
    campus_id: str | None = None
    mode: str | None = None
    search: str | None = None
    starts_after: datetime | None = None


def _to_filter(args: CourseFilterArgs | None) -> CourseFilter:
    if args is None:
        return CourseFilter()
    search = args.search.strip() if args.search is not None else None
    if search is not None and len(search) > MAX_SEARCH_LENGTH:
        raise BadUserInput(
            f"`search` must be at most {MAX_SEARCH_LENGTH} characters", argument="filter.search"
        )
    campus = (
        expect_global_id(args.campus_id, "Campus", argument="filter.campusId")
        if args.campus_id is not None
        else None
    )
    return CourseFilter(
        track=args.track,
        level=args.level,
        campus_id=campus,
        mode=args.mode,
        search=search or None,
        starts_after=_as_utc(args.starts_after, argument="filter.startsAfter"),
    )


def _as_utc(value: datetime | None, *, argument: str) -> datetime | None:
    """A time the database can store: UTC, inside the years 1..9999 once converted."""
    if value is None:
        return None
    try:
        return to_utc(value)
    except TimeOutOfRange:
        raise BadUserInput(f"`{argument}` is out of range", argument=argument) from None


async def courses(
    ctx: Context,
    *,
    filter_args: CourseFilterArgs | None,
    order: CourseOrder,
    first: int | None,
    after: str | None,
    last: int | None = None,
    before: str | None = None,
) -> Page:
    window = page_window(
        COURSE_ORDERS[order], first=first, after=after, last=last, before=before, default=20
    )
    page = await find_courses(ctx.db, _to_filter(filter_args), order, window=window)
    for doc in page.items:
        ctx.loaders.course_by_id.prime(doc["_id"], doc)
    return page


async def course_count(ctx: Context, *, filter_args: CourseFilterArgs | None) -> int:
    """How many published courses match the filter (the catalogue's `totalCount`)."""
    return await count_courses(ctx.db, _to_filter(filter_args))


async def course_by_slug(ctx: Context, slug: str) -> dict[str, Any] | None:
    if not slug or len(slug) > 200:
        return None
    doc: dict[str, Any] | None = await ctx.loaders.course_by_slug.load(slug)
    return doc if await course_readable(ctx, doc) else None


async def instructors(ctx: Context, courses: Sequence[Doc]) -> list[list[Doc]]:
    """Each course's instructors (those whose accounts still exist), in its order."""
    wanted = [course.get("instructorIds", []) for course in courses]
    found = await ctx.loaders.user_by_id.load_many([each for ids in wanted for each in ids])
    lists, start = [], 0
    for ids in wanted:
        lists.append([doc for doc in found[start : start + len(ids)] if doc is not None])
        start += len(ids)
    return lists


async def sessions(
    ctx: Context,
    courses: Sequence[Doc],
    *,
    first: int | None,
    after: str | None,
    last: int | None = None,
    before: str | None = None,
    upcoming: bool,
) -> list[Page]:
    """Each course's page of sessions (the arguments are checked once, for all)."""
    window = page_window(
        SESSION_ORDER, first=first, after=after, last=last, before=before, default=10
    )
    scope = "upcoming" if upcoming else "all"
    keys = [ChildPageKey(parent_id=course["_id"], window=window, scope=scope) for course in courses]
    pages: list[Page] = await ctx.loaders.sessions_by_course.load_many(keys)
    return pages


async def session_count(ctx: Context, course: dict[str, Any], *, upcoming: bool) -> int:
    key = ChildCountKey(parent_id=course["_id"], scope="upcoming" if upcoming else "all")
    count: int = await ctx.loaders.session_count_by_course.load(key)
    return count


async def reviews(
    ctx: Context,
    courses: Sequence[Doc],
    *,
    first: int | None,
    after: str | None,
    last: int | None = None,
    before: str | None = None,
) -> list[Page]:
    """Each course's page of reviews (the arguments are checked once, for all)."""
    window = page_window(
        REVIEW_ORDER, first=first, after=after, last=last, before=before, default=10
    )
    keys = [ChildPageKey(parent_id=course["_id"], window=window) for course in courses]
    pages: list[Page] = await ctx.loaders.reviews_by_course.load_many(keys)
    return pages


async def review_count(ctx: Context, course: dict[str, Any]) -> int:
    count: int = await ctx.loaders.review_count_by_course.load(ChildCountKey(course["_id"]))
    return count
