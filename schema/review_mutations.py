"""reviewCreate, reviewUpdate, reviewDelete: inputs, payloads, result unions.

Composed into the root Mutation by inheritance (schema.mutation), so this
area's mutations live in one module.
"""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from resolvers import review_write as resolve
from resolvers.context import Context
from resolvers.global_ids import to_global_id
from resolvers.outcomes import Refusal
from resolvers.review_input import ReviewChange, ReviewCreate, ReviewRef, parse_review_input
from schema.course import Course
from schema.mutation_errors import AlreadyReviewed, NotFound, ValidationError, mutation_error
from schema.permissions import login_required
from schema.review import Review

CHANGES_RATING = " The course's `ratingAverage` and `reviewCount` in the payload include it."


@strawberry.input(description="A review of a course the viewer attends or attended.")
class ReviewCreateInput:
    course_id: strawberry.ID = strawberry.field(description="The course's global ID.")
    rating: int = strawberry.field(description="A whole number from 1 (poor) to 5 (excellent).")
    comment: str = strawberry.field(
        default="", description="Up to 2000 characters, trimmed; line breaks are kept."
    )


@strawberry.input(
    description="Changes to a review. Leave a field out (or send null) to keep it; if any "
    "is invalid, nothing changes."
)
class ReviewUpdateInput:
    review_id: strawberry.ID = strawberry.field(description="The review's global ID.")
    rating: int | None = strawberry.field(
        default=strawberry.UNSET, description="A whole number from 1 to 5."
    )
    comment: str | None = strawberry.field(
        default=strawberry.UNSET, description="Up to 2000 characters; an empty string clears it."
    )


@strawberry.input(description="The review to delete.")
class ReviewDeleteInput:
    review_id: strawberry.ID = strawberry.field(description="The review's global ID.")


@strawberry.type(description="The review as stored, and its course with the new rating.")
class ReviewPayload:
    review: Review = strawberry.field(description="The review as now stored.")
    course: Course | None = strawberry.field(
        description="The reviewed course as now stored (null if it is not published)."
    )


@strawberry.type(description="The review is gone; its course's rating no longer counts it.")
class ReviewDeletePayload:
    deleted_review_id: strawberry.ID = strawberry.field(description="The deleted review's ID.")
    course: Course | None = strawberry.field(
        description="The reviewed course as now stored (null if it is not published)."
    )


ReviewCreateResult = Annotated[
    ReviewPayload | ValidationError | NotFound | AlreadyReviewed,
    strawberry.union("ReviewCreateResult"),
]
ReviewUpdateResult = Annotated[
    ReviewPayload | ValidationError | NotFound, strawberry.union("ReviewUpdateResult")
]
ReviewDeleteResult = Annotated[
    ReviewDeletePayload | ValidationError | NotFound, strawberry.union("ReviewDeleteResult")
]


def _course(written: resolve.ReviewWritten) -> Course | None:
    return None if written.course is None else Course.from_doc(written.course)


# Each helper answers Any: the result unions are different static types, and
# Strawberry checks the member against the field's union at run time.


def _review_result(outcome: resolve.ReviewWritten | Refusal) -> Any:
    if isinstance(outcome, Refusal):
        return mutation_error(outcome)
    assert outcome.review is not None, "creates and updates return the review"
    return ReviewPayload(review=Review.from_doc(outcome.review), course=_course(outcome))


def _delete_result(outcome: resolve.ReviewWritten | Refusal) -> Any:
    if isinstance(outcome, Refusal):
        return mutation_error(outcome)
    deleted = strawberry.ID(to_global_id("Review", outcome.review_id))
    return ReviewDeletePayload(deleted_review_id=deleted, course=_course(outcome))


@strawberry.type(description="Review mutations; part of the root Mutation.")
class ReviewMutations:
    @strawberry.mutation(
        description=(
            "Review a course: for students with an active or completed enrolment in one of "
            "its sessions (else FORBIDDEN), once per course." + CHANGES_RATING
        ),
        extensions=login_required(),
    )
    async def review_create(
        self, info: Info[Context, None], input: ReviewCreateInput
    ) -> ReviewCreateResult:
        given = parse_review_input(
            ReviewCreate, course_id=input.course_id, rating=input.rating, comment=input.comment
        )
        if isinstance(given, ReviewCreate):
            outcome = await resolve.create_review(info.context, given)
        else:
            outcome = given
        result: ReviewCreateResult = _review_result(outcome)
        return result

    @strawberry.mutation(
        description=(
            "Change a review: for its author and administrators (else FORBIDDEN)." + CHANGES_RATING
        ),
        extensions=login_required(),
    )
    async def review_update(
        self, info: Info[Context, None], input: ReviewUpdateInput
    ) -> ReviewUpdateResult:
        given = parse_review_input(
            ReviewChange,
            review_id=input.review_id,
            # null means "keep", like a field left out: a review always has both.
            rating=None if input.rating is strawberry.UNSET else input.rating,
            comment=None if input.comment is strawberry.UNSET else input.comment,
        )
        if isinstance(given, ReviewChange):
            outcome = await resolve.update_review_of(info.context, given)
        else:
            outcome = given
        result: ReviewUpdateResult = _review_result(outcome)
        return result

    @strawberry.mutation(
        description=(
            "Delete a review: for its author and administrators (else FORBIDDEN). "
            "The course's rating in the payload no longer counts it."
        ),
        extensions=login_required(),
    )
    async def review_delete(
        self, info: Info[Context, None], input: ReviewDeleteInput
    ) -> ReviewDeleteResult:
        given = parse_review_input(ReviewRef, review_id=input.review_id)
        if isinstance(given, ReviewRef):
            outcome = await resolve.delete_review_of(info.context, given)
        else:
            outcome = given
        result: ReviewDeleteResult = _delete_result(outcome)
        return result
