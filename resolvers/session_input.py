"""Session fields as a client sends them, checked by pydantic before anything is stored.

Each field on its own: times in range and in UTC, a capacity in range, an https
meeting link. Rules that need several fields or the database (ends after it
starts, an existing campus, an instructor of the course) follow in
`resolvers.session_admin`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final, Literal
from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator
from pydantic.alias_generators import to_camel

from resolvers.outcomes import Refusal, validation_error
from resolvers.times import to_utc

MIN_CAPACITY: Final = 1
MAX_CAPACITY: Final = 500
MAX_URL_LENGTH: Final = 500


class SessionFields(BaseModel):
    """The given fields, normalised; a field left out stays None (for updates: keep)."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", alias_generator=to_camel, populate_by_name=True
    )

    mode: Literal["VIRTUAL", "IN_PERSON"] | None = None
    campus_id: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    capacity: int | None = None
    instructor_id: str | None = None
    meeting_url: str | None = None

    @field_validator("starts_at", "ends_at")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        # TimeOutOfRange is a ValueError: pydantic reports it on the field.
        return None if value is None else to_utc(value)

    @field_validator("capacity")
    @classmethod
    def _capacity(cls, value: int | None) -> int | None:
        if value is not None and not MIN_CAPACITY <= value <= MAX_CAPACITY:
            raise ValueError(f"Capacity must be between {MIN_CAPACITY} and {MAX_CAPACITY}.")
        return value

    @field_validator("meeting_url")
    @classmethod
    def _https(cls, value: str | None) -> str | None:
        if value is None:
            return None
        url = value.strip()
        parsed = urlparse(url)
        if parsed.scheme != "https" or not parsed.netloc or len(url) > MAX_URL_LENGTH:
            raise ValueError(f"Give an https link of up to {MAX_URL_LENGTH} characters.")
        return url


def parse_session_fields(**given: object) -> SessionFields | Refusal:
    """Check the given fields; a refusal names the first field at fault (camelCase)."""
    try:
        return SessionFields.model_validate({k: v for k, v in given.items() if v is not None})
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        field = to_camel(str(first["loc"][0])) if first["loc"] else "input"
        cause = (first.get("ctx") or {}).get("error")
        if isinstance(cause, ValueError):
            return validation_error(field, str(cause))
        return validation_error(field, "This value is not acceptable.")
