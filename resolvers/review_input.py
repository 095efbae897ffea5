"""Review inputs as pydantic models: every field checked before anything is read or stored."""

from __future__ import annotations

from typing import Any, Final, TypeVar

from bson import ObjectId
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from resolvers.errors import BadUserInput
from resolvers.global_ids import expect_global_id
from resolvers.outcomes import Refusal, validation_error
from resolvers.profile_text import clean_paragraphs, paragraphs_printable

__all__ = [
    "MAX_COMMENT_LENGTH",
    "ReviewChange",
    "ReviewCreate",
    "ReviewRef",
    "parse_review_input",
]

M = TypeVar("M", bound=BaseModel)

MAX_COMMENT_LENGTH: Final = 2000
RATING_MESSAGE: Final = "Rating must be a whole number from 1 to 5."

# Model field -> the input field a client sent (named in ValidationError.field).
INPUT_NAMES: Final = {
    "course_id": "courseId",
    "review_id": "reviewId",
    "rating": "rating",
    "comment": "comment",
}


def _global_id(raw: Any, type_name: str, field: str) -> ObjectId:
    if isinstance(raw, ObjectId):
        return raw
    try:
        return expect_global_id(str(raw), type_name, argument=field)
    except BadUserInput as exc:
        raise ValueError(exc.message) from None


def _check_rating(raw: Any) -> int | None:
    # bool is an int to Python; GraphQL's Int never sends one, but stay exact.
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= 5:
        raise ValueError(RATING_MESSAGE)
    return raw


def _check_comment(raw: Any) -> str | None:
    if raw is None:
        return None
    comment = clean_paragraphs(str(raw))
    if len(comment) > MAX_COMMENT_LENGTH:
        raise ValueError(f"Comment must be at most {MAX_COMMENT_LENGTH} characters.")
    if not paragraphs_printable(comment):
        raise ValueError("Comment contains invisible characters.")
    return comment


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)


class ReviewCreate(_Model):
    course_id: ObjectId
    rating: int
    comment: str

    @field_validator("course_id", mode="before")
    @classmethod
    def _course_id(cls, raw: Any) -> ObjectId:
        return _global_id(raw, "Course", "courseId")

    @field_validator("rating", mode="before")
    @classmethod
    def _rating(cls, raw: Any) -> int | None:
        return _check_rating(raw)

    @field_validator("comment", mode="before")
    @classmethod
    def _comment(cls, raw: Any) -> str | None:
        return _check_comment(raw)


class ReviewRef(_Model):
    review_id: ObjectId

    @field_validator("review_id", mode="before")
    @classmethod
    def _review_id(cls, raw: Any) -> ObjectId:
        return _global_id(raw, "Review", "reviewId")


class ReviewChange(ReviewRef):
    """Fields left out are None and stay as they are."""

    rating: int | None = None
    comment: str | None = None

    @field_validator("rating", mode="before")
    @classmethod
    def _rating(cls, raw: Any) -> int | None:
        return _check_rating(raw)

    @field_validator("comment", mode="before")
    @classmethod
    def _comment(cls, raw: Any) -> str | None:
        return _check_comment(raw)

    def changes(self) -> dict[str, Any]:
        given = {"rating": self.rating, "comment": self.comment}
        return {field: value for field, value in given.items() if value is not None}


def parse_review_input(model: type[M], **given: Any) -> M | Refusal:
    """The validated input, or a refusal naming the first field at fault."""
    try:
        return model(**given)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        field = INPUT_NAMES.get(str(first["loc"][0]), str(first["loc"][0]))
        cause = (first.get("ctx") or {}).get("error")
        if isinstance(cause, ValueError):
            return validation_error(field, str(cause))
        return validation_error(field, "This value is not acceptable.")
