"""Opaque refresh tokens: generation, storage digest and lifetime policy."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from auth._time import as_utc

__all__ = [
    "REFRESH_TOKEN_BYTES",
    "RefreshPolicy",
    "hash_refresh_token",
    "looks_like_refresh_token",
    "new_refresh_token",
    "sessions_valid_after",
    "started_before",
]

REFRESH_TOKEN_BYTES: Final = 32
_TOKEN_SHAPE: Final = re.compile(r"[A-Za-z0-9_-]{43}")


def new_refresh_token() -> str:
    """256 random bits, url-safe: unguessable, so it needs no signature."""
    return secrets.token_urlsafe(REFRESH_TOKEN_BYTES)


def hash_refresh_token(token: str) -> str:
    """SHA-256 hex of the token, which is what gets stored.

    A leaked table then yields no usable tokens. A fast unsalted hash is enough
    because the input has 256 bits of entropy; a slow one would only cost us.
    """
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def looks_like_refresh_token(token: str) -> bool:
    """Cheap shape check to drop junk before it reaches the database."""
    return _TOKEN_SHAPE.fullmatch(token) is not None


@dataclass(frozen=True, slots=True)
class RefreshPolicy:
    """A refresh token dies at a fixed age, or sooner if left unused.

    Naive datetimes are taken as UTC.
    """

    absolute_ttl: timedelta = timedelta(days=30)
    idle_ttl: timedelta = timedelta(days=7)

    def __post_init__(self) -> None:
        if self.absolute_ttl <= timedelta(0) or self.idle_ttl <= timedelta(0):
            raise ValueError("refresh token lifetimes must be positive")
        if self.idle_ttl > self.absolute_ttl:
            raise ValueError("idle_ttl cannot exceed absolute_ttl")

    def expires_at(self, issued_at: datetime, last_used_at: datetime) -> datetime:
        return min(as_utc(issued_at) + self.absolute_ttl, as_utc(last_used_at) + self.idle_ttl)

    def is_expired(self, issued_at: datetime, last_used_at: datetime, now: datetime) -> bool:
        return as_utc(now) >= self.expires_at(issued_at, last_used_at)


def sessions_valid_after(changed_at: datetime) -> datetime:
    """The moment from which sessions count, for a password changed at `changed_at`.

    `changed_at` must be taken after the new password hash was stored: a log-in
    that read the old hash took its own time before that, so the family it
    starts (whose issue time is the log-in's) falls before this moment. Stored
    times keep milliseconds, so the value is rounded up to the next millisecond,
    which keeps "before" strict after a round trip through the database.
    """
    moment = as_utc(changed_at)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000) + timedelta(milliseconds=1)


def started_before(issued_at: datetime, valid_after: datetime | None) -> bool:
    """True when a session (family) began before the user's sessions were reset."""
    return valid_after is not None and as_utc(issued_at) < as_utc(valid_after)
