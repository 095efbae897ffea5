"""Phone numbers and South African ID numbers in profile input."""

from __future__ import annotations

from datetime import date

import pytest

from resolvers.personal_data import PersonalDataError, SaId, luhn_valid, parse_phone, parse_sa_id

TODAY = date(2025, 6, 1)


def luhn_digit(first12: str) -> str:
    """The check digit that makes ``first12`` + digit pass Luhn (computed independently)."""
    total = 0
    for i, char in enumerate(first12):
        d = int(char)
        if i % 2 == 1:  # from the left, every second digit is doubled (13-digit numbers)
            d = sum(divmod(d * 2, 10))
        total += d
    return str((10 - total % 10) % 10)


def sa_id(yymmdd: str, sequence: str = "5009", citizenship: str = "0") -> str:
    first12 = f"{yymmdd}{sequence}{citizenship}8"
    return first12 + luhn_digit(first12)


def bad_check_digit(number: str) -> str:
    return number[:12] + str((int(number[12]) + 1) % 10)


# --- phone numbers ----------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("082 123 4567", "+27821234567"),
        ("082-123-4567", "+27821234567"),
        ("(082) 123 4567", "+27821234567"),
        ("0821234567", "+27821234567"),
        ("+27821234567", "+27821234567"),
        ("+27 82 123 4567", "+27821234567"),
        ("+27 (0)82 123 4567", "+27821234567"),
        ("0027 82 123 4567", "+27821234567"),
        (" 021 555 0123 ", "+27215550123"),
        ("+1 (415) 555-2671", "+14155552671"),
        ("+44 20 7946 0958", "+442079460958"),
        ("+4930123456", "+4930123456"),
        ("+123456789012345", "+123456789012345"),  # 15 digits: the E.164 maximum
        ("+12345678", "+12345678"),  # 8 digits: our minimum
    ],
)
def test_valid_phone_numbers_are_normalised_to_e164(raw: str, expected: str) -> None:
    assert parse_phone(raw) == expected


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        ("", "Enter a phone number"),
        ("   ", "Enter a phone number"),
        ("+", "Enter a phone number"),
        ("082 123 456", "10-digit South African number"),  # 9 digits
        ("082 123 45678", "10-digit South African number"),  # 11 digits
        ("821234567", "country code"),  # neither + nor a leading 0
        ("27821234567", "country code"),
        ("+0821234567", "cannot start with 0"),
        ("+1234567", "8 to 15 digits"),
        ("+1234567890123456", "8 to 15 digits"),
        ("082 123 4567 ext 5", "only digits"),
        ("082.123.4567", "only digits"),
        ("+27 82 123 456\uff17", "only digits"),  # full-width digit seven
        ("+27821234567+", "only digits"),
        ("1" * 41, "too long"),
    ],
)
def test_invalid_phone_numbers_are_rejected(raw: str, fragment: str) -> None:
    with pytest.raises(PersonalDataError) as caught:
        parse_phone(raw)
    assert caught.value.field == "phone"
    assert fragment in caught.value.message


def test_phone_errors_do_not_echo_the_number() -> None:
    raw = "+0821234567"
    with pytest.raises(PersonalDataError) as caught:
        parse_phone(raw, field="emergencyPhone")
    assert caught.value.field == "emergencyPhone"
    assert "0821234567" not in str(caught.value)
    assert str(caught.value).startswith("emergencyPhone: ")


# --- South African ID numbers ----------------------------------------------


def test_the_test_luhn_helper_agrees_with_a_published_example() -> None:
    # 8001015009087 is the example number used throughout SA ID documentation.
    assert luhn_digit("800101500908") == "7"
    assert luhn_valid("8001015009087")


@pytest.mark.parametrize(
    ("yymmdd", "born"),
    [
        ("900101", date(1990, 1, 1)),
        ("050615", date(2005, 6, 15)),
        ("000229", date(2000, 2, 29)),  # leap year only in the 2000s reading
        ("250601", date(2025, 6, 1)),  # born today
        ("250602", date(1925, 6, 2)),  # tomorrow in 2025, so it must be 1925
        ("991231", date(1999, 12, 31)),
    ],
)
def test_valid_sa_ids_give_their_date_of_birth(yymmdd: str, born: date) -> None:
    number = sa_id(yymmdd)
    parsed = parse_sa_id(number, today=TODAY)
    assert parsed == SaId(number=number, date_of_birth=born)


def test_sa_id_accepts_permanent_residents_and_spaces() -> None:
    number = sa_id("900101", citizenship="1")
    spaced = f"{number[:6]} {number[6:10]} {number[10:]}"
    assert parse_sa_id(spaced, today=TODAY).number == number


def test_sa_id_repr_hides_personal_data() -> None:
    number = sa_id("900101")
    text = repr(parse_sa_id(number, today=TODAY))
    assert number not in text
    assert "1990" not in text


def test_century_follows_today() -> None:
    number = sa_id("100301")
    assert parse_sa_id(number, today=date(2010, 3, 1)).date_of_birth == date(2010, 3, 1)
    assert parse_sa_id(number, today=date(2010, 2, 28)).date_of_birth == date(1910, 3, 1)


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (bad_check_digit(sa_id("900101")), "check digit"),
        (sa_id("900101")[:12], "exactly 13 digits"),
        (sa_id("900101") + "1", "exactly 13 digits"),
        ("90010150O9087", "only digits"),  # letter O
        ("900101-5009-087", "only digits"),
        ("", "Enter an ID number"),
        (sa_id("900231"), "valid date of birth"),  # 31 February
        (sa_id("900132"), "valid date of birth"),
        (sa_id("901301"), "valid date of birth"),
        (sa_id("900001"), "valid date of birth"),
        (sa_id("010229"), "valid date of birth"),  # 2001 and 1901 are not leap years
        (sa_id("900101", citizenship="2"), "citizenship digit"),
        (sa_id("900101", citizenship="9"), "citizenship digit"),
    ],
)
def test_invalid_sa_ids_are_rejected(raw: str, fragment: str) -> None:
    with pytest.raises(PersonalDataError) as caught:
        parse_sa_id(raw, today=TODAY)
    assert caught.value.field == "nationalId"
    assert fragment in caught.value.message
    if raw:
        assert raw not in str(caught.value)
        assert raw[:6] not in str(caught.value)


def test_sa_id_date_checks_use_today_by_default() -> None:
    assert parse_sa_id(sa_id("900101")).date_of_birth == date(1990, 1, 1)
