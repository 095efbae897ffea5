"""Course fields as a client sends them, checked by pydantic before anything is stored.

Fields are named as in the GraphQL input (camelCase), so a refusal names the
field the client sent. Only the fields given are checked: `courseCreate` gives
every required one, `courseUpdate` the ones that change.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator
from pydantic.alias_generators import to_camel

from resolvers.outcomes import Refusal, validation_error

__all__ = [
    "MAX_DESCRIPTION_LENGTH",
    "MAX_DURATION_HOURS",
    "MAX_PRICE_CENTS",
    "MAX_SUMMARY_LENGTH",
    "MAX_TAGS",
    "CourseFields",
    "parse_course_fields",
]

SLUG: Final = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
SLUG_LENGTH: Final = (3, 80)
TITLE_LENGTH: Final = (3, 120)
MAX_SUMMARY_LENGTH: Final = 300
MAX_DESCRIPTION_LENGTH: Final = 5000
MAX_TAGS: Final = 10
TAG_LENGTH: Final = (2, 30)
MAX_PRICE_CENTS: Final = 100_000_000  # R1,000,000.00: more is a typing mistake
MAX_DURATION_HOURS: Final = 1000
TRACKS: Final = frozenset(
    {"CODING", "WEB_DEVELOPMENT", "CYBERSECURITY", "DATA_SCIENCE", "CLOUD_COMPUTING"}
)
LEVELS: Final = frozenset({"BEGINNER", "INTERMEDIATE", "ADVANCED"})


def _one_line(raw: str) -> str:
    """NFC, single spaces, no invisible characters (a ValueError names the problem)."""
    text = " ".join(unicodedata.normalize("NFC", raw).split())
    if any(unicodedata.category(char)[0] == "C" for char in text):
        raise ValueError("This text contains invisible characters.")
    return text


def _paragraphs(raw: str) -> str:
    """Like `_one_line`, but line breaks stay (descriptions have paragraphs)."""
    lines = [_one_line(line) if line.strip() else "" for line in raw.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _length(text: str, low: int, high: int, what: str) -> str:
    if len(text) < low:
        raise ValueError(f"{what} must be at least {low} characters.")
    if len(text) > high:
        raise ValueError(f"{what} must be at most {high} characters.")
    return text


class CourseFields(BaseModel):
    """The given fields, normalised; a field left out stays None."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", alias_generator=to_camel, populate_by_name=True
    )

    slug: str | None = None
    title: str | None = None
    summary: str | None = None
    description: str | None = None
    track: str | None = None
    level: str | None = None
    tags: list[str] | None = None
    price_cents: int | None = None
    duration_hours: int | None = None

    @field_validator("slug", mode="before")
    @classmethod
    def _slug(cls, raw: Any) -> str:
        slug = str(raw).strip()
        _length(slug, *SLUG_LENGTH, "Slug")
        if not SLUG.fullmatch(slug):
            raise ValueError(
                "Slug must be lower-case letters and digits, words joined by single "
                "hyphens (like `python-foundations`)."
            )
        return slug

    @field_validator("title", mode="before")
    @classmethod
    def _title(cls, raw: Any) -> str:
        return _length(_one_line(str(raw)), *TITLE_LENGTH, "Title")

    @field_validator("summary", mode="before")
    @classmethod
    def _summary(cls, raw: Any) -> str:
        return _length(_one_line(str(raw)), 0, MAX_SUMMARY_LENGTH, "Summary")

    @field_validator("description", mode="before")
    @classmethod
    def _description(cls, raw: Any) -> str:
        return _length(_paragraphs(str(raw)), 0, MAX_DESCRIPTION_LENGTH, "Description")

    @field_validator("track", mode="before")
    @classmethod
    def _track(cls, raw: Any) -> str:
        if raw not in TRACKS:
            raise ValueError("Choose one of the tracks.")
        return str(raw)

    @field_validator("level", mode="before")
    @classmethod
    def _level(cls, raw: Any) -> str:
        if raw not in LEVELS:
            raise ValueError("Choose one of the levels.")
        return str(raw)

    @field_validator("tags", mode="before")
    @classmethod
    def _tags(cls, raw: Any) -> list[str]:
        tags: dict[str, None] = {}  # lower-cased, repeats dropped, order kept
        for tag in raw:
            clean = _one_line(str(tag)).lower()
            _length(clean, *TAG_LENGTH, "Each tag")
            tags.setdefault(clean, None)
        if len(tags) > MAX_TAGS:
            raise ValueError(f"Give at most {MAX_TAGS} tags.")
        return list(tags)

    @field_validator("price_cents", mode="before")
    @classmethod
    def _price(cls, raw: Any) -> int:
        if not isinstance(raw, int) or isinstance(raw, bool):
            raise ValueError("Price must be a whole number of cents.")
        if raw < 0:
            raise ValueError("Price cannot be negative (0 means free).")
        if raw > MAX_PRICE_CENTS:
            raise ValueError(f"Price must be at most {MAX_PRICE_CENTS} cents.")
        return raw

    @field_validator("duration_hours", mode="before")
    @classmethod
    def _duration(cls, raw: Any) -> int:
        if not isinstance(raw, int) or isinstance(raw, bool) or not 1 <= raw <= MAX_DURATION_HOURS:
            raise ValueError(f"Duration must be 1 to {MAX_DURATION_HOURS} hours.")
        return raw

    def stored(self) -> dict[str, Any]:
        """The given fields as stored (camelCase), left-out ones omitted."""
        return self.model_dump(by_alias=True, exclude_none=True)


def parse_course_fields(
    given: Mapping[str, Any], *, required: Iterable[str] = ()
) -> CourseFields | Refusal:
    """Check the given fields (camelCase keys); a refusal names the first field at fault.

    A key given as None is refused: course fields can be changed, not removed.
    """
    for field in required:
        if given.get(field) is None:
            return validation_error(field, "This field is required.")
    for field, value in given.items():
        if value is None:
            return validation_error(field, "This field cannot be removed; send a value.")
    try:
        return CourseFields.model_validate(dict(given))
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        field = str(first["loc"][0]) if first["loc"] else "input"
        cause = (first.get("ctx") or {}).get("error")
        if isinstance(cause, ValueError):
            return validation_error(field, str(cause))
        return validation_error(field, "This value is not acceptable.")
