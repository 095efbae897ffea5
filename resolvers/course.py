"""Catalogue reads: checks arguments, asks the datastore, returns documents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from datastore.course import COURSE_ORDERS, CourseFilter, CourseOrder, find_courses
from datastore.loaders import REVIEW_ORDER, SESSION_ORDER
from datastore.pages import ChildPageKey, Page
from resolvers.context import Context
from resolvers.errors import BadUserInput
from resolvers.global_ids import expect_global_id
from resolvers.pagination import check_first, parse_after
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
    first: int,
    after: str | None,
) -> Page:
    check_first(first)
    keyset = parse_after(COURSE_ORDERS[order], after)
    page = await find_courses(ctx.db, _to_filter(filter_args), order, first=first, after=keyset)
    for doc in page.items:
        ctx.loaders.course_by_id.prime(doc["_id"], doc)
    return page


async def course_by_slug(ctx: Context, slug: str) -> dict[str, Any] | None:
    if not slug or len(slug) > 200:
        return None
    doc: dict[str, Any] | None = await ctx.loaders.course_by_slug.load(slug)
    return doc if await course_readable(ctx, doc) else None


async def instructors(ctx: Context, course: dict[str, Any]) -> list[dict[str, Any]]:
    docs = await ctx.loaders.user_by_id.load_many(course.get("instructorIds", []))
    return [doc for doc in docs if doc is not None]


async def sessions(
    ctx: Context, course: dict[str, Any], *, first: int, after: str | None, upcoming: bool
) -> Page:
    check_first(first)
    key = ChildPageKey(
        parent_id=course["_id"],
        first=first,
        after=parse_after(SESSION_ORDER, after),
        scope="upcoming" if upcoming else "all",
    )
    page: Page = await ctx.loaders.sessions_by_course.load(key)
    return page


async def reviews(ctx: Context, course: dict[str, Any], *, first: int, after: str | None) -> Page:
    check_first(first)
    key = ChildPageKey(parent_id=course["_id"], first=first, after=parse_after(REVIEW_ORDER, after))
    page: Page = await ctx.loaders.reviews_by_course.load(key)
    return page
