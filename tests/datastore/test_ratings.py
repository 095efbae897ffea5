"""Course ratings recomputed from the reviews, on the real engine."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId

from datastore.client import Database
from datastore.indexes import ensure_indexes
from datastore.ratings import Rating, rating_from_reviews, refresh_course_rating
from datastore.review import delete_review, insert_review, new_review_doc


async def _course(db: Database, **fields: Any) -> ObjectId:
    course_id = ObjectId()
    doc = {"_id": course_id, "slug": f"c-{course_id}", "title": "T", "published": True}
    await db.courses.insert_one({**doc, **fields})
    return course_id


async def _review(db: Database, course_id: ObjectId, rating: int) -> dict[str, Any]:
    doc = new_review_doc(
        course_id=course_id,
        author_id=ObjectId(),
        rating=rating,
        comment="",
        now=datetime.now(UTC),
    )
    await insert_review(db, doc)
    return doc


async def test_the_aggregate_counts_and_sums_every_rating(fresh_async_db: Database) -> None:
    db = fresh_async_db
    course_id, other = await _course(db), await _course(db)
    for rating in (1, 2, 2, 3, 5, 5, 5):
        await _review(db, course_id, rating)
    await _review(db, other, 4)
    assert await rating_from_reviews(db, course_id) == Rating(count=7, total=23)
    assert await rating_from_reviews(db, ObjectId()) == Rating(count=0, total=0)
    assert Rating(7, 23).average == 3.2857
    assert Rating(0, 0).average == 0.0


async def test_refresh_repairs_a_wrong_rating_and_touches_nothing_else(
    fresh_async_db: Database,
) -> None:
    db = fresh_async_db
    stale = {"ratingCount": 9, "ratingSum": 9, "ratingAverage": 1.0}
    course_id = await _course(db, **stale, updatedAt=datetime(2026, 1, 1, tzinfo=UTC))
    await _review(db, course_id, 4)
    await _review(db, course_id, 3)
    before = await db.courses.find_one({"_id": course_id})
    refreshed = await refresh_course_rating(db, course_id)
    assert refreshed.rounds == 1
    assert refreshed.rating == Rating(2, 7)
    after = await db.courses.find_one({"_id": course_id})
    assert after == refreshed.course
    assert after == {
        **before,
        "ratingCount": 2,
        "ratingSum": 7,
        "ratingAverage": 3.5,
    }


async def test_refresh_of_a_missing_course_writes_nothing(fresh_async_db: Database) -> None:
    db = fresh_async_db
    refreshed = await refresh_course_rating(db, ObjectId())
    assert refreshed.course is None
    assert await db.courses.count_documents({}) == 0


async def test_fifty_writers_at_once_leave_the_exact_rating(fresh_async_db: Database) -> None:
    """Each writer changes the reviews, then refreshes, as the resolvers do."""
    db = fresh_async_db
    await ensure_indexes(db)
    course_id = await _course(db, ratingCount=0, ratingSum=0, ratingAverage=0.0)
    doomed = [await _review(db, course_id, 1) for _ in range(20)]
    await refresh_course_rating(db, course_id)

    async def add(rating: int) -> None:
        await _review(db, course_id, rating)
        await refresh_course_rating(db, course_id)

    async def remove(review: dict[str, Any]) -> None:
        assert await delete_review(db, review["_id"])
        await refresh_course_rating(db, course_id)

    writers = [add(n % 5 + 1) for n in range(30)] + [remove(review) for review in doomed]
    await asyncio.gather(*writers)
    stored = await db.courses.find_one({"_id": course_id})
    assert stored is not None
    truth = await rating_from_reviews(db, course_id)
    assert truth == Rating(30, sum(n % 5 + 1 for n in range(30)))
    assert Rating.stored_on(stored) == truth
