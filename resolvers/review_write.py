"""Writing reviews: create, update, delete; each keeps its course's rating exact.

Input arrives validated (resolvers.review_input). Every write ends in
`_after_write`, which recomputes the course's rating from the stored reviews
(datastore.ratings) and replaces what this request's loaders hold, so the
payload shows the write.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from bson import ObjectId

from datastore.ratings import refresh_course_rating
from datastore.review import (
    ReviewExists,
    delete_review,
    find_review,
    insert_review,
    new_review_doc,
    update_review,
)
from resolvers.authorization import viewer_is_admin
from resolvers.context import Context
from resolvers.errors import Forbidden
from resolvers.outcomes import Refusal, already_reviewed, not_found
from resolvers.review_eligibility import may_review
from resolvers.review_input import ReviewChange, ReviewCreate, ReviewRef
from resolvers.visibility import course_public, visible_course

__all__ = ["ReviewWritten", "create_review", "delete_review_of", "update_review_of"]

log = logging.getLogger("leeto.reviews")

NOT_ELIGIBLE_MESSAGE: Final = (
    "Only students enrolled in one of this course's sessions (active or completed) may review it."
)
NOT_AUTHOR_MESSAGE: Final = "Only the review's author and administrators may change it."


@dataclass(frozen=True, slots=True)
class ReviewWritten:
    review_id: ObjectId
    review: dict[str, Any] | None  # None once deleted
    course: dict[str, Any] | None  # as stored after the rating refresh; None if not public


async def create_review(ctx: Context, given: ReviewCreate) -> ReviewWritten | Refusal:
    viewer = ctx.require_viewer()
    course = await visible_course(ctx, given.course_id)
    if course is None:
        return not_found("courseId", "No published course has this ID.")
    if not await may_review(ctx, viewer.user_id, course["_id"]):
        raise Forbidden(NOT_ELIGIBLE_MESSAGE)
    doc = new_review_doc(
        course_id=course["_id"],
        author_id=viewer.user_id,
        rating=given.rating,
        comment=given.comment,
        now=datetime.now(UTC),
    )
    try:
        await insert_review(ctx.db, doc)
    except ReviewExists:
        return already_reviewed()
    log.info("review %s of course %s created by user %s", doc["_id"], course["_id"], viewer.user_id)
    return await _after_write(ctx, doc["_id"], doc, course["_id"])


async def update_review_of(ctx: Context, given: ReviewChange) -> ReviewWritten | Refusal:
    review = await _review_the_viewer_may_change(ctx, given)
    if isinstance(review, Refusal):
        return review
    changes = given.changes()
    if not changes:
        course = await visible_course(ctx, review["courseId"])
        return ReviewWritten(review_id=review["_id"], review=review, course=course)
    updated = await update_review(ctx.db, review["_id"], set_fields=changes, now=datetime.now(UTC))
    if updated is None:
        return _gone()
    log.info("review %s updated by user %s", review["_id"], ctx.require_viewer().user_id)
    return await _after_write(ctx, review["_id"], updated, review["courseId"])


async def delete_review_of(ctx: Context, given: ReviewRef) -> ReviewWritten | Refusal:
    review = await _review_the_viewer_may_change(ctx, given)
    if isinstance(review, Refusal):
        return review
    if not await delete_review(ctx.db, review["_id"]):
        return _gone()  # deleted meanwhile; that request refreshed the rating
    log.info("review %s deleted by user %s", review["_id"], ctx.require_viewer().user_id)
    return await _after_write(ctx, review["_id"], None, review["courseId"])


def _gone() -> Refusal:
    return not_found("reviewId", "No review has this ID.")


async def _review_the_viewer_may_change(ctx: Context, given: ReviewRef) -> dict[str, Any] | Refusal:
    """The review, if its author or an administrator is asking; else Forbidden."""
    viewer = ctx.require_viewer()
    # Read from the database, not a loader: the check must see the review as stored now.
    review = await find_review(ctx.db, given.review_id)
    if review is None:
        return _gone()
    if review["authorId"] != viewer.user_id and not await viewer_is_admin(ctx):
        raise Forbidden(NOT_AUTHOR_MESSAGE)
    return review


async def _after_write(
    ctx: Context, review_id: ObjectId, review: dict[str, Any] | None, course_id: ObjectId
) -> ReviewWritten:
    refreshed = await refresh_course_rating(ctx.db, course_id)
    course = refreshed.course
    # The course's rating moved (and the catalogue's order by rating with it).
    ctx.changed("Review", review_id, lists=True)
    ctx.changed("Course", course_id, lists=True)
    # Loaders may hold the course and its review pages from before the write.
    loaders = ctx.loaders
    loaders.course_by_id.clear(course_id)
    loaders.reviews_by_course.clear_all()
    loaders.review_by_id.clear(review_id)
    if course is not None:
        loaders.course_by_id.prime(course_id, course)
        loaders.course_by_slug.clear(course["slug"]).prime(course["slug"], course)
    if review is not None:
        loaders.review_by_id.prime(review_id, review)
    return ReviewWritten(
        review_id=review_id, review=review, course=course if course_public(course) else None
    )
