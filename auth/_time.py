"""Datetime helpers shared by the time-based policies."""

from __future__ import annotations

from datetime import UTC, datetime


def as_utc(moment: datetime) -> datetime:
    """Treat naive datetimes as UTC, since PyMongo returns naive UTC by default."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
