"""Writes to `courses`: new courses and edits, slugs kept unique by the index.

Slug uniqueness is decided by the unique index `slug_unique`, never by a read
before the write: of two courses claiming one slug at once, exactly one insert
(or update) succeeds on both engines. MongoDB reports the loser as a duplicate
key (11000); FerretDB does so for inserts, but a unique violation raised by an
*update* comes back as InternalError (code 1), which is read as a taken slug
only when another course really holds it.

Rating fields (`ratingCount`, `ratingSum`, `ratingAverage`) belong to the
reviews: nothing here writes them, except zeros for a new course.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Final

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError, OperationFailure

from datastore import collections as names
from datastore.client import Database
from datastore.course import COURSE_FIELDS
from datastore.keyset import SortSpec
from datastore.pages import Page, Window, find_page
from datastore.ratings import refresh_course_rating

__all__ = [
    "TEACHING_ORDER",
    "SlugTaken",
    "count_courses_taught",
    "find_course",
    "find_courses_taught",
    "insert_course",
    "new_course_doc",
    "update_course",
]

_DUPLICATE_KEY: Final = 11000
_FERRETDB_INTERNAL_ERROR: Final = 1
# Fields the catalogue editors may never set: the reviews keep them.
RATING_FIELDS: Final = frozenset({"ratingCount", "ratingSum", "ratingAverage"})
TEACHING_ORDER = SortSpec(tag="course:teaching", field="title")


class SlugTaken(Exception):
    """Another course holds the slug."""


async def insert_course(db: Database, doc: dict[str, Any]) -> None:
    try:
        await db[names.COURSES].insert_one(doc)
    except DuplicateKeyError:
        raise SlugTaken() from None


async def update_course(
    db: Database,
    course_id: ObjectId,
    *,
    expected: Mapping[str, Any],
    set_fields: Mapping[str, Any],
    unset_fields: Sequence[str] = (),
) -> dict[str, Any] | None:
    """Apply the change if the course still holds the `expected` values.

    Returns the course as now stored, or None when there is no such course or
    it no longer holds `expected` (someone else changed it meanwhile: read it
    again and recompute). Raises SlugTaken when `slug` is set to a taken one.
    """
    touched = (set(set_fields) | set(unset_fields)) & RATING_FIELDS
    if touched:
        raise ValueError(f"course edits never write {sorted(touched)}")
    update: dict[str, Any] = {"$set": dict(set_fields)}
    if unset_fields:
        update["$unset"] = dict.fromkeys(unset_fields, "")
    courses = db[names.COURSES]
    try:
        updated = await courses.find_one_and_update(
            {"_id": course_id, **expected}, update, return_document=ReturnDocument.AFTER
        )
        if updated is None:
            return None
        return await _settle_edit(db, course_id)
    except DuplicateKeyError:
        raise SlugTaken() from None
    except OperationFailure as failure:
        slug = set_fields.get("slug")
        if slug is None or failure.code not in (_DUPLICATE_KEY, _FERRETDB_INTERNAL_ERROR):
            raise
        holder = await courses.find_one({"slug": slug, "_id": {"$ne": course_id}}, {"_id": 1})
        if holder is None:
            raise
        raise SlugTaken() from None


async def _settle_edit(db: Database, course_id: ObjectId) -> dict[str, Any] | None:
    """Recompute the rating after an edit.

    The embedded engine writes whole documents back, so an edit racing a rating
    write can put back an old rating; the rating is recomputed from the reviews
    (on MongoDB it is already right). The reverse race, a rating write putting
    back the old value of an edited field, remains there (README, known limits):
    re-applying the edit could undo a later editor's change.
    """
    await refresh_course_rating(db, course_id)
    return await find_course(db, course_id)


async def find_course(db: Database, course_id: ObjectId) -> dict[str, Any] | None:
    """The course as stored now (not a request's cached copy)."""
    return await db[names.COURSES].find_one({"_id": course_id})


async def find_courses_taught(db: Database, user_id: ObjectId, *, window: Window) -> Page:
    """Every course listing the user among its instructors, whatever its state."""
    query = {"instructorIds": user_id}
    return await find_page(
        db[names.COURSES], query, TEACHING_ORDER, window=window, projection=COURSE_FIELDS
    )


async def count_courses_taught(db: Database, user_id: ObjectId) -> int:
    return await db[names.COURSES].count_documents({"instructorIds": user_id})


def new_course_doc(
    fields: Mapping[str, Any],
    *,
    instructor_ids: Sequence[ObjectId],
    now: datetime,
    search_terms: list[str],
) -> dict[str, Any]:
    """A draft course: unpublished, no ratings yet."""
    return {
        "_id": ObjectId(),
        "slug": fields["slug"],
        "title": fields["title"],
        "summary": fields.get("summary", ""),
        "description": fields.get("description", ""),
        "track": fields["track"],
        "level": fields["level"],
        "tags": list(fields.get("tags", [])),
        "instructorIds": list(instructor_ids),
        "priceCents": fields["priceCents"],
        "durationHours": fields["durationHours"],
        "published": False,
        "ratingCount": 0,
        "ratingSum": 0,
        "ratingAverage": 0.0,
        "searchTerms": search_terms,
        "createdAt": now,
        "updatedAt": now,
    }
