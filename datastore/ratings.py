"""A course's rating fields, recomputed from its reviews after every review write.

`courses` keeps `ratingCount`, `ratingSum` and `ratingAverage` (the catalogue
sorts on the last), and they must equal what the stored reviews add up to.
Adjusting them with `$inc` is not an option: on the embedded engine an update
is a read of the whole document followed by a write of it, so concurrent `$inc`
lose updates (50 at once ended at 1-10 in our measurements). Instead every
writer, once its review write is done, recomputes the aggregate from `reviews`
and `$set`s it, in a write-verify loop:

    target = aggregate(reviews)
    repeat: $set target on the course
            read the course back (stored), then aggregate(reviews) again (fresh)
            stored == target == fresh  -> done
            stored != target           -> done: a later write replaced ours
            otherwise                  -> target = fresh, and again

Why the value left behind is right once every writer has finished. Take the
rating write that lands last, by writer X. Every review write finished before
it: each review writer writes the course after its review write, and that
course write lands no later than X's. X then reads the course, which still
holds what X wrote (nothing landed after it), so X cannot take the "replaced"
exit; and X's fresh aggregate, read after every review write, is the true
value. X stops only if that equals what it wrote, so the last write holds the
true value; had they differed, X would have written again, and that write
would have been the last. A writer that sees its write replaced may stop
because the replacing writer is itself held to the same rule after its write.
Nothing here needs an update to be atomic, so it holds on FerretDB and on
MongoDB alike.

The loop is bounded (`MAX_ROUNDS`); a writer gives up (and logs it) only if
the reviews kept changing under it that many rounds in a row, and the next
review write of the course then repairs the fields. In the tests' 50
simultaneous writes on the embedded engine, writers took 1 to 9 rounds, most
1 or 2; once the reviews stop changing, a writer stops within two more rounds.

Other writers of a course document: on FerretDB an update of any course field
writes back the whole document, rating fields included, as it read them. A
course edit racing a review write can so put back a stale rating; calling
`refresh_course_rating` after such an edit makes it one more writer bound by
the rule above.
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

MAX_ROUNDS: Final = 32


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
    course: dict[str, Any] = {}
    for rounds in range(1, MAX_ROUNDS + 1):
        await db[names.COURSES].update_one({"_id": course_id}, {"$set": target.fields()})
        found = await db[names.COURSES].find_one({"_id": course_id})
        fresh = await rating_from_reviews(db, course_id)
        if found is None:
            return RatingRefresh(course=None, rating=fresh, rounds=rounds)
        course = found
        stored = Rating.stored_on(course)
        if stored == target == fresh:
            log.debug("rating of course %s settled in %d round(s)", course_id, rounds)
            return RatingRefresh(course=course, rating=fresh, rounds=rounds)
        if stored != target:
            # A later write replaced ours, and its writer checks after it: ours
            # was not the last, so this writer is done. The caller gets the
            # reviews as just read (they include its own write).
            log.debug("rating of course %s handed on after %d round(s)", course_id, rounds)
            return RatingRefresh(course={**course, **fresh.fields()}, rating=fresh, rounds=rounds)
        target = fresh
    log.warning("rating of course %s still moving after %d rounds", course_id, MAX_ROUNDS)
    return RatingRefresh(course={**course, **target.fields()}, rating=target, rounds=MAX_ROUNDS)
