"""Validation of personal data in profile input: phone numbers and South African IDs.

Pure functions, no database. Errors name the field and say what is wrong
without repeating the value, so they are safe to log and to show.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field as _field
from datetime import date
from typing import Final

__all__ = ["PersonalDataError", "SaId", "luhn_valid", "parse_phone", "parse_sa_id"]

_MAX_INPUT: Final = 40  # longer input is rejected before any parsing
_SA_COUNTRY_CODE: Final = "27"
_PHONE_SEPARATORS: Final = re.compile(r"[ \-()]")
_E164: Final = re.compile(r"\+[1-9][0-9]{7,14}")
_DIGITS: Final = re.compile(r"[0-9]+")


class PersonalDataError(ValueError):
    """Invalid personal data in ``field``; ``message`` is meant for the user."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def parse_phone(raw: str, *, field: str = "phone") -> str:
    """The number in E.164 form (``+27821234567``).

    Accepts ``+<country code><number>``, the ``00`` international prefix, and
    South African national numbers (``082 123 4567``), with spaces, dashes and
    parentheses anywhere; ``+27 (0)82 …`` has its trunk ``(0)`` dropped.
    """
    if not isinstance(raw, str) or not raw.strip():
        raise PersonalDataError(field, "Enter a phone number.")
    if len(raw) > _MAX_INPUT:
        raise PersonalDataError(field, "Phone number is too long.")
    text = raw.strip()
    if text.startswith("+"):
        text = text.replace("(0)", "", 1)
    compact = _PHONE_SEPARATORS.sub("", text)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    digits = compact.removeprefix("+")
    if not digits:
        raise PersonalDataError(field, "Enter a phone number.")
    if not _DIGITS.fullmatch(digits):
        raise PersonalDataError(
            field, "Phone number may contain only digits, spaces, dashes, parentheses and a +."
        )
    if not compact.startswith("+"):
        if len(digits) != 10 or digits[0] != "0" or digits[1] == "0":
            raise PersonalDataError(
                field,
                "Enter the number with its country code (like +27 82 123 4567) "
                "or as a 10-digit South African number (like 082 123 4567).",
            )
        compact = f"+{_SA_COUNTRY_CODE}{digits[1:]}"
    if compact[1] == "0":
        raise PersonalDataError(field, "Country code cannot start with 0.")
    if not _E164.fullmatch(compact):
        raise PersonalDataError(
            field, "Phone number must have 8 to 15 digits including the country code."
        )
    return compact


@dataclass(frozen=True)
class SaId:
    """A valid South African ID number; repr() hides it (personal data)."""

    number: str = _field(repr=False)
    date_of_birth: date = _field(repr=False)


def parse_sa_id(raw: str, *, today: date | None = None, field: str = "nationalId") -> SaId:
    """Check a 13-digit South African ID number (spaces allowed) and read its birth date.

    Layout: YYMMDD (birth date), SSSS (sequence), C (0 citizen, 1 permanent
    resident), A, Z (Luhn check digit). The century is the latest that does not
    put the birth date after ``today``.
    """
    if not isinstance(raw, str) or not raw.strip():
        raise PersonalDataError(field, "Enter an ID number.")
    if len(raw) > _MAX_INPUT:
        raise PersonalDataError(field, "ID number must be exactly 13 digits.")
    number = "".join(raw.split())
    if not _DIGITS.fullmatch(number):
        raise PersonalDataError(field, "ID number may contain only digits.")
    if len(number) != 13:
        raise PersonalDataError(field, "ID number must be exactly 13 digits.")
    born = _birth_date(number[:6], today or date.today())
    if born is None:
        raise PersonalDataError(field, "ID number does not start with a valid date of birth.")
    if number[10] not in "01":
        raise PersonalDataError(field, "ID number has an invalid citizenship digit.")
    if not luhn_valid(number):
        raise PersonalDataError(field, "ID number is not valid (check digit mismatch).")
    return SaId(number=number, date_of_birth=born)


def luhn_valid(digits: str) -> bool:
    """Luhn (mod 10) check over a string of ASCII digits, check digit last."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _birth_date(yymmdd: str, today: date) -> date | None:
    yy, month, day = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:6])
    for century in (2000, 1900):
        try:
            candidate = date(century + yy, month, day)
        except ValueError:
            continue  # 29 February exists in 2000 but not in 1900
        if candidate <= today:
            return candidate
    return None
