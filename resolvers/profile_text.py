"""Public text typed by users: display names, cities, bios (and review comments)."""

from __future__ import annotations

import unicodedata
from typing import Final

from resolvers.outcomes import Refusal, validation_error

__all__ = [
    "MAX_BIO_LENGTH",
    "MAX_CITY_LENGTH",
    "MAX_DISPLAY_NAME_LENGTH",
    "clean_bio",
    "clean_city",
    "clean_display_name",
    "clean_paragraphs",
    "paragraphs_printable",
]

MAX_DISPLAY_NAME_LENGTH: Final = 80
MAX_CITY_LENGTH: Final = 80
MAX_BIO_LENGTH: Final = 500


def _clean(raw: str) -> str:
    # NFC and single spaces, so names compare and display the same everywhere.
    return " ".join(unicodedata.normalize("NFC", raw).split())


def _printable(text: str) -> bool:
    return all(unicodedata.category(char)[0] != "C" for char in text)


def clean_display_name(raw: str) -> str | Refusal:
    name = _clean(raw)
    if not name:
        return validation_error("displayName", "Enter the name others will see.")
    if len(name) > MAX_DISPLAY_NAME_LENGTH:
        return validation_error(
            "displayName", f"Display name must be at most {MAX_DISPLAY_NAME_LENGTH} characters."
        )
    if not _printable(name):
        return validation_error("displayName", "Display name contains invisible characters.")
    return name


def clean_city(raw: str) -> str | Refusal:
    city = _clean(raw)
    if len(city) > MAX_CITY_LENGTH:
        return validation_error("city", f"City must be at most {MAX_CITY_LENGTH} characters.")
    if not _printable(city):
        return validation_error("city", "City contains invisible characters.")
    return city


def clean_paragraphs(raw: str) -> str:
    """Text whose line breaks matter (a bio, a review): each line cleaned, ends trimmed."""
    lines = [" ".join(unicodedata.normalize("NFC", line).split()) for line in raw.splitlines()]
    return "\n".join(lines).strip()


def paragraphs_printable(text: str) -> bool:
    # Line breaks are kept; other control characters are not.
    return _printable(text.replace("\n", ""))


def clean_bio(raw: str) -> str | Refusal:
    bio = clean_paragraphs(raw)
    if len(bio) > MAX_BIO_LENGTH:
        return validation_error("bio", f"Bio must be at most {MAX_BIO_LENGTH} characters.")
    if not paragraphs_printable(bio):
        return validation_error("bio", "Bio contains invisible characters.")
    return bio
