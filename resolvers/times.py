"""Times as clients send them, made into what the database stores."""

from __future__ import annotations

from datetime import UTC, datetime


class TimeOutOfRange(ValueError):
    """The time leaves the years 1..9999 once converted to UTC."""


def to_utc(value: datetime) -> datetime:
    """UTC, a time without a zone taken as UTC already; raises TimeOutOfRange."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise TimeOutOfRange("This time is out of range.") from None
