"""userSignUp over HTTP: tokens, what is stored, races and refusals."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import bson
import pytest
from bson.binary import Binary
from pymongo import MongoClient

from server.settings import Settings
from tests.accounts.accounts_helpers import (
    PASSWORD,
    RELAXED,
    SIGN_UP,
    VIEWER,
    AccountsApp,
    agql,
    serving,
    unique_email,
)
from tests.graphql_client import gql


def test_sign_up_returns_tokens_for_a_new_student(accounts_app: AccountsApp) -> None:
    result = accounts_app.sign_up(display_name="  Thandi   Nkosi ", city="Cape Town")
    assert result["__typename"] == "AuthPayload"
    assert result["user"]["displayName"] == "Thandi Nkosi"
    assert result["user"]["city"] == "Cape Town"
    assert result["user"]["roles"] == ["STUDENT"]
    assert result["accessToken"].count(".") == 2
    assert len(result["refreshToken"]) == 43
    assert result["accessTokenExpiresAt"] < result["refreshTokenExpiresAt"]

    viewer = gql(accounts_app.client, VIEWER, token=result["accessToken"])
    assert viewer == {
        "data": {
            "viewer": {
                "id": result["user"]["id"],
                "displayName": "Thandi Nkosi",
                "city": "Cape Town",
                "roles": ["STUDENT"],
            }
        }
    }


def test_the_stored_account_holds_no_plaintext_email(accounts_app: AccountsApp) -> None:
    email = unique_email("Ann.Smith")
    accounts_app.sign_up(f"  {email.upper()} ")

    (stored,) = list(accounts_app.db.users.find())
    assert isinstance(stored["email"], Binary)
    assert stored["email"].subtype == 6  # client-side field level encryption
    raw = bson.encode(stored)
    for text in (email, email.upper(), email.split("@")[0], PASSWORD):
        assert text.encode() not in raw
    assert stored["passwordHash"].startswith("$argon2id$")
    assert stored["roles"] == ["STUDENT"]
    assert set(stored) == {
        "_id",
        "email",
        "passwordHash",
        "roles",
        "displayName",
        "bio",
        "city",
        "createdAt",
        "updatedAt",
    }

    # Normalised (trimmed, lower-cased) before encryption, so any spelling logs in.
    assert accounts_app.log_in(email)["__typename"] == "AuthPayload"
    assert accounts_app.log_in(f" {email.title()}")["__typename"] == "AuthPayload"


def test_an_email_has_only_one_account(accounts_app: AccountsApp) -> None:
    email = unique_email()
    assert accounts_app.sign_up(email)["__typename"] == "AuthPayload"
    again = accounts_app.sign_up(email.upper(), password="another long password")
    assert again["__typename"] == "EmailTaken"
    assert again["code"] == "EMAIL_TAKEN"
    assert accounts_app.db.users.count_documents({}) == 1


async def test_simultaneous_sign_ups_with_one_email_create_one_account(
    make_settings: Callable[..., Settings], fresh_db_name: str
) -> None:
    email = unique_email()
    variables = {"input": {"email": email, "password": PASSWORD, "displayName": "Racer"}}
    settings = make_settings(fresh_db_name, **RELAXED)
    async with serving(settings) as client:
        bodies = await asyncio.gather(*(agql(client, SIGN_UP, variables) for _ in range(8)))
    kinds = sorted(body["data"]["userSignUp"]["__typename"] for body in bodies)
    assert kinds == ["AuthPayload"] + ["EmailTaken"] * 7
    with MongoClient(settings.database_uri()) as raw:
        assert raw[fresh_db_name].users.count_documents({}) == 1


@pytest.mark.parametrize(
    ("password", "fragment"),
    [
        ("123456789", "at least 10"),
        ("x" * 257, "at most 256"),
        ("{email}", "not your email"),
        ("{local}", "not your email"),
    ],
)
def test_weak_passwords_are_refused(
    accounts_app: AccountsApp, password: str, fragment: str
) -> None:
    email = unique_email("somebody-with-a-long-name")
    chosen = password.format(email=email.upper(), local=email.split("@")[0])
    result = accounts_app.sign_up(email, password=chosen)
    assert result["__typename"] == "WeakPassword"
    assert result["code"] == "WEAK_PASSWORD"
    assert result["field"] == "password"
    assert fragment in result["message"]
    assert accounts_app.db.users.count_documents({}) == 0


@pytest.mark.parametrize(
    "password",
    ["exactly 10", "x" * 256, "pässwörd mit ümlauten", "🔑🔑🔑🔑🔑 emoji keys", "     spaces     "],
)
def test_any_characters_are_allowed(accounts_app: AccountsApp, password: str) -> None:
    email = unique_email()
    assert accounts_app.sign_up(email, password=password)["__typename"] == "AuthPayload"
    assert accounts_app.log_in(email, password)["__typename"] == "AuthPayload"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": "   "}, "email"),
        ({"email": "a@b"}, "email"),
        ({"displayName": "   "}, "displayName"),
        ({"displayName": "x" * 81}, "displayName"),
        ({"displayName": "Invisible\u200bName"}, "displayName"),
        ({"city": "c" * 81}, "city"),
    ],
)
def test_invalid_input_names_the_field(
    accounts_app: AccountsApp, overrides: dict[str, str], field: str
) -> None:
    variables = {
        "input": {
            "email": unique_email(),
            "password": PASSWORD,
            "displayName": "Valid Name",
            "city": "Pretoria",
            **overrides,
        }
    }
    body = gql(accounts_app.client, SIGN_UP, variables)
    result = body["data"]["userSignUp"]
    assert result["__typename"] == "ValidationError"
    assert result["code"] == "VALIDATION_ERROR"
    assert result["field"] == field
    assert result["message"]
    assert accounts_app.db.users.count_documents({}) == 0


def test_city_is_optional(accounts_app: AccountsApp) -> None:
    body = gql(
        accounts_app.client,
        SIGN_UP,
        {"input": {"email": unique_email(), "password": PASSWORD, "displayName": "No City"}},
    )
    assert body["data"]["userSignUp"]["user"]["city"] == ""
