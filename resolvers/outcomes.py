"""What mutation resolvers answer: a success value or a typed refusal.

One way to refuse: a resolver returns a `Refusal` (a `Problem` code, a message
and, for input problems, the input field in camelCase); the schema turns it
into its GraphQL error type (`schema.mutation_errors.mutation_error`). A new
kind of refusal is a `Problem` member here and an error type there. Messages
are written for the person at the keyboard and never reveal whether an
account exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

__all__ = [
    "LoggedOut",
    "Problem",
    "Refusal",
    "SignedIn",
    "already_reviewed",
    "email_taken",
    "invalid_credentials",
    "invalid_token",
    "not_found",
    "rate_limited",
    "validation_error",
    "weak_password",
]


class Problem(StrEnum):
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    EMAIL_TAKEN = "EMAIL_TAKEN"
    WEAK_PASSWORD = "WEAK_PASSWORD"  # noqa: S105 - an error code
    VALIDATION_ERROR = "VALIDATION_ERROR"
    RATE_LIMITED = "RATE_LIMITED"
    INVALID_TOKEN = "INVALID_TOKEN"  # noqa: S105 - an error code
    NOT_FOUND = "NOT_FOUND"
    ALREADY_ENROLLED = "ALREADY_ENROLLED"
    ALREADY_CANCELLED = "ALREADY_CANCELLED"
    SESSION_STARTED = "SESSION_STARTED"
    SESSION_ENDED = "SESSION_ENDED"
    SESSION_CANCELLED = "SESSION_CANCELLED"
    ALREADY_REVIEWED = "ALREADY_REVIEWED"


@dataclass(frozen=True, slots=True)
class Refusal:
    problem: Problem
    message: str
    field: str | None = None
    retry_after_seconds: int = 0


@dataclass(frozen=True, slots=True)
class SignedIn:
    access_token: str
    access_token_expires_at: datetime
    refresh_token: str
    refresh_token_expires_at: datetime
    user: dict[str, Any]

    def __repr__(self) -> str:
        # Tokens are credentials: keep them out of tracebacks and debug output.
        return f"SignedIn(user={self.user.get('_id')!s})"


@dataclass(frozen=True, slots=True)
class LoggedOut:
    revoked_sessions: int


def invalid_credentials(message: str = "Incorrect email or password.") -> Refusal:
    return Refusal(Problem.INVALID_CREDENTIALS, message)


def email_taken() -> Refusal:
    return Refusal(
        Problem.EMAIL_TAKEN,
        "An account with this email address already exists. Log in instead.",
        field="email",
    )


def weak_password(field: str, message: str) -> Refusal:
    return Refusal(Problem.WEAK_PASSWORD, message, field=field)


def validation_error(field: str, message: str) -> Refusal:
    return Refusal(Problem.VALIDATION_ERROR, message, field=field)


def rate_limited(retry_after_seconds: int) -> Refusal:
    seconds = max(1, retry_after_seconds)
    unit = "second" if seconds == 1 else "seconds"
    return Refusal(
        Problem.RATE_LIMITED,
        f"Too many attempts. Try again in {seconds} {unit}.",
        retry_after_seconds=seconds,
    )


def invalid_token() -> Refusal:
    return Refusal(
        Problem.INVALID_TOKEN,
        "The refresh token is invalid, expired or revoked. Log in again.",
    )


def not_found(field: str, message: str) -> Refusal:
    """The object an input field names does not exist (or is hidden from the viewer)."""
    return Refusal(Problem.NOT_FOUND, message, field=field)


def already_reviewed() -> Refusal:
    return Refusal(
        Problem.ALREADY_REVIEWED,
        "You have already reviewed this course. Edit your review instead.",
        field="courseId",
    )
