"""Expected mutation failures: typed members of each mutation's result union."""

from __future__ import annotations

from enum import Enum

import strawberry

from resolvers.outcomes import Problem, Refusal


@strawberry.enum(description="Why a mutation did not do what was asked.")
class MutationErrorCode(Enum):
    INVALID_CREDENTIALS = Problem.INVALID_CREDENTIALS.value
    EMAIL_TAKEN = Problem.EMAIL_TAKEN.value
    WEAK_PASSWORD = Problem.WEAK_PASSWORD.value
    VALIDATION_ERROR = Problem.VALIDATION_ERROR.value
    RATE_LIMITED = Problem.RATE_LIMITED.value
    INVALID_TOKEN = Problem.INVALID_TOKEN.value
    NOT_FOUND = Problem.NOT_FOUND.value
    ALREADY_ENROLLED = Problem.ALREADY_ENROLLED.value
    ALREADY_CANCELLED = Problem.ALREADY_CANCELLED.value
    SESSION_STARTED = Problem.SESSION_STARTED.value
    SESSION_ENDED = Problem.SESSION_ENDED.value
    SESSION_CANCELLED = Problem.SESSION_CANCELLED.value
    ALREADY_REVIEWED = Problem.ALREADY_REVIEWED.value


@strawberry.interface(description="An expected failure, with a message to show the user.")
class MutationError:
    code: MutationErrorCode = strawberry.field(description="What went wrong, for programs.")
    message: str = strawberry.field(description="What went wrong, for people.")


@strawberry.type(description="The email and password do not match an account.")
class InvalidCredentials(MutationError):
    pass


@strawberry.type(description="An account with this email address already exists.")
class EmailTaken(MutationError):
    pass


@strawberry.type(description="The password does not meet the policy (10 to 256 characters).")
class WeakPassword(MutationError):
    field: str = strawberry.field(description="The input field holding the password.")


@strawberry.type(description="An input value is not acceptable.")
class ValidationError(MutationError):
    field: str = strawberry.field(description="The input field at fault (camelCase).")


@strawberry.type(description="Too many attempts; wait before trying again.")
class RateLimited(MutationError):
    retry_after_seconds: int = strawberry.field(description="Seconds to wait.")


@strawberry.type(description="The token is malformed, unknown, expired or revoked.")
class InvalidToken(MutationError):
    pass


@strawberry.type(
    description="The object an input field names does not exist, or is hidden from you."
)
class NotFound(MutationError):
    field: str = strawberry.field(description="The input field naming it (camelCase).")


@strawberry.type(description="The student already holds a place (or waits) in this session.")
class AlreadyEnrolled(MutationError):
    pass


@strawberry.type(description="The enrolment was already cancelled.")
class AlreadyCancelled(MutationError):
    pass


@strawberry.type(
    description=(
        "The session no longer takes this change: it has started (SESSION_STARTED), "
        "ended (SESSION_ENDED) or was cancelled (SESSION_CANCELLED)."
    )
)
class SessionClosed(MutationError):
    pass


@strawberry.type(description="The viewer has already reviewed this course; edit that review.")
class AlreadyReviewed(MutationError):
    pass


_SIMPLE: dict[Problem, type[MutationError]] = {
    Problem.INVALID_CREDENTIALS: InvalidCredentials,
    Problem.EMAIL_TAKEN: EmailTaken,
    Problem.INVALID_TOKEN: InvalidToken,
    Problem.ALREADY_ENROLLED: AlreadyEnrolled,
    Problem.ALREADY_CANCELLED: AlreadyCancelled,
    Problem.SESSION_STARTED: SessionClosed,
    Problem.SESSION_ENDED: SessionClosed,
    Problem.SESSION_CANCELLED: SessionClosed,
    Problem.ALREADY_REVIEWED: AlreadyReviewed,
}


def mutation_error(refusal: Refusal) -> MutationError:
    """The GraphQL error type for a refusal from the resolvers."""
    code = MutationErrorCode(refusal.problem.value)
    message = refusal.message
    field = refusal.field or ""
    simple = _SIMPLE.get(refusal.problem)
    if simple is not None:
        return simple(code=code, message=message)
    match refusal.problem:
        case Problem.NOT_FOUND:
            return NotFound(code=code, message=message, field=field)
        case Problem.WEAK_PASSWORD:
            return WeakPassword(code=code, message=message, field=field)
        case Problem.VALIDATION_ERROR:
            return ValidationError(code=code, message=message, field=field)
        case Problem.RATE_LIMITED:
            return RateLimited(
                code=code, message=message, retry_after_seconds=refusal.retry_after_seconds
            )
    raise AssertionError(f"no error type for {refusal.problem}")
