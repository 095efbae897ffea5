"""Catalogue queries over `courses` (and `sessions`, to filter by where and when)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from bson import ObjectId

from datastore import collections as names
from datastore.client import Database
from datastore.keyset import SortSpec
from datastore.pages import Page, Window, find_page
from datastore.search_terms import query_terms


class CourseOrder(StrEnum):
    TITLE = "TITLE"
    NEWEST = "NEWEST"
    PRICE_LOW_TO_HIGH = "PRICE_LOW_TO_HIGH"
    PRICE_HIGH_TO_LOW = "PRICE_HIGH_TO_LOW"
    RATING = "RATING"


COURSE_ORDERS: dict[CourseOrder, SortSpec] = {
    CourseOrder.TITLE: SortSpec(tag="course:title", field="title"),
    CourseOrder.NEWEST: SortSpec(tag="course:newest", field="createdAt", descending=True, kind="d"),
    CourseOrder.PRICE_LOW_TO_HIGH: SortSpec(tag="course:price", field="priceCents", kind="n"),
    CourseOrder.PRICE_HIGH_TO_LOW: SortSpec(
        tag="course:price-desc", field="priceCents", descending=True, kind="n"
    ),
    CourseOrder.RATING: SortSpec(
        tag="course:rating", field="ratingAverage", descending=True, kind="n"
    ),
}


@dataclass(frozen=True, slots=True)
class CourseFilter:
    track: str | None = None
    level: str | None = None
    campus_id: ObjectId | None = None
    mode: str | None = None
    search: str | None = None
    starts_after: datetime | None = None
    include_unpublished: bool = False

    @property
    def needs_sessions(self) -> bool:
        return self.campus_id is not None or self.mode is not None or self.starts_after is not None


async def _course_ids_with_sessions(db: Database, f: CourseFilter) -> list[ObjectId]:
    # No $lookup on every engine: find the matching sessions' courses first.
    query: dict[str, Any] = {}
    if f.campus_id is not None:
        query["campusId"] = f.campus_id
    if f.mode is not None:
        query["mode"] = f.mode
    if f.starts_after is not None:
        query["startsAt"] = {"$gt": f.starts_after}
    ids: list[ObjectId] = await db[names.SESSIONS].distinct("courseId", query)
    return ids


async def course_query(db: Database, f: CourseFilter) -> dict[str, Any] | None:
    """The MongoDB filter for a catalogue filter; None when nothing can match."""
    query: dict[str, Any] = {}
    if not f.include_unpublished:
        query["published"] = True
    if f.track is not None:
        query["track"] = f.track
    if f.level is not None:
        query["level"] = f.level
    if f.search is not None:
        terms = query_terms(f.search)
        if terms:
            query["searchTerms"] = {"$all": terms}
    if f.needs_sessions:
        ids = await _course_ids_with_sessions(db, f)
        if not ids:
            return None
        query["_id"] = {"$in": ids}
    return query


# Every field but the search words: only the search filter reads those, and
# they are the largest part of a course document.
COURSE_FIELDS: dict[str, Any] = {"searchTerms": 0}


async def find_courses(
    db: Database, f: CourseFilter, order: CourseOrder, *, window: Window
) -> Page:
    spec = COURSE_ORDERS[order]
    query = await course_query(db, f)
    if query is None:
        forward_after = window.cursor is not None and not window.backward
        return Page(items=[], has_next_page=False, has_previous_page=forward_after, spec=spec)
    return await find_page(db[names.COURSES], query, spec, window=window, projection=COURSE_FIELDS)


async def count_courses(db: Database, f: CourseFilter) -> int:
    query = await course_query(db, f)
    if query is None:
        return 0
    return await db[names.COURSES].count_documents(query)


async def list_campuses(db: Database) -> list[dict[str, Any]]:
    cursor = db[names.CAMPUSES].find({}).sort([("city", 1), ("_id", 1)])
    return await cursor.to_list()
