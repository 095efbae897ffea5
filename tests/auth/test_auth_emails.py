from __future__ import annotations

import pytest

from auth.emails import normalise_email, validate_email


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("  Thandi.Nkosi@Example.CO.ZA \n", "thandi.nkosi@example.co.za"),
        ("USER+tag@GMAIL.com", "user+tag@gmail.com"),
        ("\tx@y.io", "x@y.io"),
    ],
)
def test_normalise(raw: str, normalised: str) -> None:
    assert normalise_email(raw) == normalised


@pytest.mark.parametrize(
    "address",
    [
        "thandi@example.co.za",
        "first.last+tag@sub.example.com",
        "o'brien@example.ie",
        "a@b.co",
        "x" * 64 + "@example.com",
        "user@xn--bcher-kva.example",
        "user@bücher.example",
        "zodwa@my-domain.africa",
        "name@" + ("a" * 63 + ".") * 3 + "com",
    ],
)
def test_valid(address: str) -> None:
    assert validate_email(address) is None


@pytest.mark.parametrize(
    "address",
    [
        "",
        "plainaddress",
        "@example.com",
        "user@",
        "user@localhost",
        "two@@example.com",
        "a@b@example.com",
        "x" * 65 + "@example.com",
        ".user@example.com",
        "user.@example.com",
        "us..er@example.com",
        "us er@example.com",
        "user@exa mple.com",
        "user@-example.com",
        "user@example-.com",
        "user@example..com",
        "user@.example.com",
        "user@example.com.",
        "user@exam_ple.com",
        "user@" + "a" * 64 + ".com",
        "user@[127.0.0.1]",
        "user@127.0.0.1",
        'us"er@example.com',
        "user<x>@example.com",
        "user@example.com\n",
    ],
)
def test_invalid(address: str) -> None:
    message = validate_email(address)
    assert isinstance(message, str)
    assert message


def test_total_length_limit() -> None:
    def address(last_label: int) -> str:
        return "l" * 64 + "@" + "a" * 63 + "." + "b" * 63 + "." + "c" * last_label + ".com"

    assert len(address(57)) == 254
    assert validate_email(address(57)) is None
    assert len(address(58)) == 255
    assert validate_email(address(58)) is not None
