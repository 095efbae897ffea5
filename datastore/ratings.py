"""A course's rating fields, recomputed from its reviews after every review write.

`courses` keeps `ratingCount`, `ratingSum` and `ratingAverage` (the catalogue
sorts on the last), and they must equal what the stored reviews add up to.
Adjusting them with `$inc` is not an option: on the embedded engine an update
is a read of the whole document followed by a write of it, so concurrent `$inc`
lose updates (50 at once ended at 1-10 in our measurements). Instead every
writer recomputes the aggregate from `reviews` (`$group` with `$sum`, which
both engines have) and `$set`s it, in a write-verify loop:

    target = aggregate(reviews)
    repeat: $set target; read the course and aggregate(reviews) again;
            stop when both equal target, else target = the new aggregate.

Why the value left behind is right once every writer has finished: each
writer changes `reviews` before it first writes the course. Take the rating
write that lands last. Every review write finished before it (its writer had
yet to write the course, and that write could land no later than this one),
so the aggregate its writer reads afterwards sees every review and is the true
value. Its writer stops only if that read equals what it wrote, so the last
write holds the true value; had it differed, the writer would have written
again, and that write would have been the last. Nothing here needs an update
to be atomic, so it holds on FerretDB and on MongoDB alike. The loop is bounded
(`MAX_ROUNDS`); a writer gives up (and logs it) only if the reviews kept
changing under it that many rounds in a row, and the next review write of the
course then repairs the fields. Reading the course back as well catches a stale
rating written by a slower writer, which that writer also repairs itself.

What it cannot protect against: a write of a *whole course document* racing
the rating write on FerretDB (a course edit there writes back every field it
read, including stale rating fields). The next review write repairs that.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Final, Self

from bson import ObjectId

from datastore import collections as names
from datastore.client import Database

__all__ = ["MAX_ROUNDS", "Rating", "RatingRefresh", "rating_from_reviews", "refresh_course_rating"]

log = logging.getLogger("leeto.ratings")

MAX_ROUNDS: Final = 12


@dataclass(frozen=True, slots=True)
class Rating:
    count: int
    total: int

    @property
    def average(self) -> float:
        # 0.0 before the first review, as the demo data stores it: the catalogue's
        # RATING order then lists unrated courses last.
        return round(self.total / self.count, 4) if self.count else 0.0

    def fields(self) -> dict[str, Any]:
        return {"ratingCount": self.count, "ratingSum": self.total, "ratingAverage": self.average}

    @classmethod
    def stored_on(cls, course: dict[str, Any]) -> Self | None:
        """The rating a course document holds; None if its fields disagree."""
        rating = cls(int(course.get("ratingCount", 0)), int(course.get("ratingSum", 0)))
        return rating if course.get("ratingAverage") == rating.average else None


@dataclass(frozen=True, slots=True)
class RatingRefresh:
    course: dict[str, Any] | None  # the course as read after the last write
    rating: Rating
    rounds: int


async def rating_from_reviews(db: Database, course_id: ObjectId) -> Rating:
    # One row per rating value (five at most), counted with a single accumulator:
    # FerretDB 1.24 computes only the first accumulator of a $group correctly and
    # answers 0 for the others, so `{n: {$sum: 1}, s: {$sum: "$rating"}}` is wrong there.
    pipeline: list[dict[str, Any]] = [
        {"$match": {"courseId": course_id}},
        {"$group": {"_id": "$rating", "n": {"$sum": 1}}},
    ]
    cursor = await db[names.REVIEWS].aggregate(pipeline)
    rows = await cursor.to_list()
    count = sum(int(row["n"]) for row in rows)
    total = sum(int(row["_id"]) * int(row["n"]) for row in rows)
    return Rating(count, total)


async def refresh_course_rating(db: Database, course_id: ObjectId) -> RatingRefresh:
    """Make the course's rating fields equal its reviews (see the module's docstring).

    Only the three rating fields are written, with `$set`.
    """
    target = await rating_from_reviews(db, course_id)
    course: dict[str, Any] | None = None
    for rounds in range(1, MAX_ROUNDS + 1):
        await db[names.COURSES].update_one({"_id": course_id}, {"$set": target.fields()})
        course = await db[names.COURSES].find_one({"_id": course_id})
        if course is None:
            return RatingRefresh(course=None, rating=target, rounds=rounds)
        fresh = await rating_from_reviews(db, course_id)
        if fresh == target and Rating.stored_on(course) == target:
            log.debug("rating of course %s settled in %d round(s)", course_id, rounds)
            return RatingRefresh(course=course, rating=target, rounds=rounds)
        target = fresh
    log.warning("rating of course %s still moving after %d rounds", course_id, MAX_ROUNDS)
    return RatingRefresh(course=course, rating=target, rounds=MAX_ROUNDS)
