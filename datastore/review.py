"""Stored reviews: one per author per course, decided by the unique index."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from datastore import collections as names
from datastore.client import Database

__all__ = [
    "ReviewExists",
    "delete_review",
    "find_review",
    "insert_review",
    "new_review_doc",
    "update_review",
]

# Enrolment statuses that hold (or held) a place in a session.


class ReviewExists(Exception):
    """The unique index `course_author_unique` refused a second review."""


def new_review_doc(
    *, course_id: ObjectId, author_id: ObjectId, rating: int, comment: str, now: datetime
) -> dict[str, Any]:
    return {
        "_id": ObjectId(),
        "courseId": course_id,
        "authorId": author_id,
        "rating": rating,
        "comment": comment,
        "createdAt": now,
        "updatedAt": now,
    }


async def insert_review(db: Database, doc: dict[str, Any]) -> None:
    """Insert, or raise ReviewExists.

    The insert itself is the check: an index-guarded insert is the one write
    that is atomic on every engine, so two simultaneous first reviews by one
    author cannot both land (a read-then-write check could let both through).
    """
    try:
        await db[names.REVIEWS].insert_one(doc)
    except DuplicateKeyError:
        raise ReviewExists() from None


async def find_review(db: Database, review_id: ObjectId) -> dict[str, Any] | None:
    return await db[names.REVIEWS].find_one({"_id": review_id})


async def update_review(
    db: Database, review_id: ObjectId, *, set_fields: dict[str, Any], now: datetime
) -> dict[str, Any] | None:
    """Apply the changes in one update; the review as stored, or None if it is gone."""
    return await db[names.REVIEWS].find_one_and_update(
        {"_id": review_id},
        {"$set": {**set_fields, "updatedAt": now}},
        return_document=ReturnDocument.AFTER,
    )


async def delete_review(db: Database, review_id: ObjectId) -> bool:
    result = await db[names.REVIEWS].delete_one({"_id": review_id})
    return result.deleted_count == 1
