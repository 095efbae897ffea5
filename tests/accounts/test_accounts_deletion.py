"""userDeleteAccount and userDelete: nothing of the person remains in the raw documents."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import bson
import pytest
from bson import ObjectId

from datastore.documents import UserDoc
from resolvers.global_ids import from_global_id, to_global_id
from resolvers.throttling import account_key
from tests.accounts.accounts_helpers import (
    PASSWORD,
    AccountsApp,
    error_code,
    unique_email,
)
from tests.graphql_client import gql

PHONE = "082 123 4567"
NATIONAL_ID = "9001015009086"
NAME = "Thandeka Zungu-Erasable"
CITY = "Mahikeng-Erasable"
BIO = "Loves Rust and biltong, erasable."

DELETE_ACCOUNT = """mutation DeleteAccount($input: UserDeleteAccountInput!) {
  userDeleteAccount(input: $input) { __typename
    ... on UserDeleteAccountPayload { deletedUserId }
    ... on MutationError { code message } ... on ValidationError { field } } }"""
DELETE_USER = """mutation DeleteUser($input: UserDeleteInput!) {
  userDelete(input: $input) { __typename
    ... on UserDeletePayload { deletedUserId }
    ... on MutationError { code message } ... on ValidationError { field }
    ... on NotFound { field } } }"""
PROFILE = """mutation Profile($input: UserUpdateProfileInput!) {
  userUpdateProfile(input: $input) { __typename ... on ValidationError { field } } }"""
REVIEW_AUTHOR = """query Review($id: ID!) { node(id: $id) { ... on Review {
  author { id displayName bio city email } } } }"""


def _person(app: AccountsApp) -> dict[str, Any]:
    """A user with every kind of personal data, a second session and a review."""
    email = unique_email("erase-me")
    signed_up = app.sign_up(email, display_name=NAME, city=CITY)
    token = signed_up["accessToken"]
    body = gql(
        app.client,
        PROFILE,
        {"input": {"phone": PHONE, "nationalId": NATIONAL_ID, "bio": BIO}},
        token=token,
    )
    assert body["data"]["userUpdateProfile"]["__typename"] == "UserUpdateProfilePayload", body
    user_id = from_global_id(signed_up["user"]["id"]).id
    other_device = app.log_in(email)
    now = datetime.now(UTC)
    course_id = app.db.courses.insert_one(
        {
            "slug": f"course-{ObjectId()}",
            "title": "A Course",
            "summary": "",
            "description": "",
            "track": "CODING",
            "level": "BEGINNER",
            "tags": [],
            "instructorIds": [],
            "priceCents": 0,
            "durationHours": 1,
            "published": True,
            "ratingCount": 1,
            "ratingSum": 5,
            "ratingAverage": 5.0,
            "searchTerms": [],
            "createdAt": now,
            "updatedAt": now,
        }
    ).inserted_id
    review_id = app.db.reviews.insert_one(
        {
            "courseId": course_id,
            "authorId": user_id,
            "rating": 5,
            "comment": "Great course.",
            "createdAt": now,
            "updatedAt": now,
        }
    ).inserted_id
    stored = app.db.users.find_one({"_id": user_id})
    assert stored is not None
    assert all(stored.get(f) for f in ("phone", "nationalId", "dateOfBirth"))
    return {
        "email": email,
        "id": signed_up["user"]["id"],
        "object_id": user_id,
        "token": token,
        "refresh_tokens": [signed_up["refreshToken"], other_device["refreshToken"]],
        "review_id": to_global_id("Review", review_id),
        "stored": stored,
    }


def _traces(person: dict[str, Any]) -> dict[str, bytes]:
    """Everything that would identify the person, as bytes to look for in raw BSON."""
    stored = person["stored"]
    traces = {
        field: bytes(stored[field]) for field in ("email", "phone", "nationalId", "dateOfBirth")
    }
    traces["passwordHash"] = stored["passwordHash"].encode()
    traces["account throttle key"] = account_key(stored["email"]).encode()
    for label, text in {
        "email address": person["email"],
        "name": NAME,
        "city": CITY,
        "bio": BIO,
        "phone number": "+27821234567",
        "national id": NATIONAL_ID,
    }.items():
        traces[label] = text.encode()
    return traces


def _assert_nothing_remains(app: AccountsApp, person: dict[str, Any]) -> None:
    traces = _traces(person)
    for collection in app.db.list_collection_names():
        for doc in app.db[collection].find():
            raw = bson.encode(doc)
            found = [label for label, value in traces.items() if value in raw]
            assert found == [], (collection, found)
    user = app.db.users.find_one({"_id": person["object_id"]})
    assert user is not None
    assert user["displayName"] == "Deleted user"
    assert (user["bio"], user["city"], user["roles"]) == ("", "", [])
    assert user["deletedAt"] is not None
    for field in ("passwordHash", "phone", "nationalId", "dateOfBirth"):
        assert field not in user
    assert not isinstance(user["email"], bytes)  # a tombstone, not a ciphertext
    shape = UserDoc
    assert set(shape.__required_keys__) <= set(user) <= set(shape.__annotations__)


def _assert_account_is_gone(app: AccountsApp, person: dict[str, Any]) -> None:
    for refresh_token in person["refresh_tokens"]:
        assert app.refresh(refresh_token)["__typename"] == "InvalidToken"
    assert app.log_in(person["email"])["__typename"] == "InvalidCredentials"
    # The review stays, from a deleted user; nothing personal is readable, even to its
    # former owner whose access token has not expired yet.
    body = gql(app.client, REVIEW_AUTHOR, {"id": person["review_id"]}, token=person["token"])
    author = body["data"]["node"]["author"]
    assert (author["id"], author["displayName"], author["bio"], author["city"]) == (
        person["id"],
        "Deleted user",
        "",
        "",
    )
    assert author["email"] is None
    # That token cannot write personal data back either.
    again = gql(app.client, PROFILE, {"input": {"phone": PHONE}}, token=person["token"])
    assert again["data"]["userUpdateProfile"]["__typename"] == "ValidationError"
    # The address is free: the person may come back as a new account.
    back = app.sign_up(person["email"])
    assert back["__typename"] == "AuthPayload"
    assert back["user"]["id"] != person["id"]


def test_a_user_deletes_their_account(accounts_app: AccountsApp) -> None:
    person = _person(accounts_app)
    before = accounts_app.db.users.find_one({"_id": person["object_id"]})
    wrong = gql(
        accounts_app.client,
        DELETE_ACCOUNT,
        {"input": {"password": "not it at all"}},
        token=person["token"],
    )
    assert wrong["data"]["userDeleteAccount"]["__typename"] == "InvalidCredentials"
    empty = gql(
        accounts_app.client, DELETE_ACCOUNT, {"input": {"password": ""}}, token=person["token"]
    )
    assert empty["data"]["userDeleteAccount"]["field"] == "password"
    assert accounts_app.db.users.find_one({"_id": person["object_id"]}) == before

    body = gql(
        accounts_app.client,
        DELETE_ACCOUNT,
        {"input": {"password": PASSWORD}},
        token=person["token"],
    )
    assert body["data"]["userDeleteAccount"] == {
        "__typename": "UserDeleteAccountPayload",
        "deletedUserId": person["id"],
    }
    _assert_nothing_remains(accounts_app, person)
    _assert_account_is_gone(accounts_app, person)
    # The old token cannot delete twice.
    twice = gql(
        accounts_app.client,
        DELETE_ACCOUNT,
        {"input": {"password": PASSWORD}},
        token=person["token"],
    )
    assert error_code(twice) == "UNAUTHENTICATED"


def test_an_admin_deletes_accounts(accounts_app: AccountsApp) -> None:
    admin = accounts_app.sign_up()
    admin_id = from_global_id(admin["user"]["id"]).id
    accounts_app.db.users.update_one({"_id": admin_id}, {"$set": {"roles": ["ADMIN"]}})
    people = [_person(accounts_app), _person(accounts_app)]
    # Two deleted accounts side by side: the e-mail index keeps working.
    for person in people:
        body = gql(
            accounts_app.client,
            DELETE_USER,
            {"input": {"userId": person["id"]}},
            token=admin["accessToken"],
        )
        assert body["data"]["userDelete"]["deletedUserId"] == person["id"], body
    for person in people:
        _assert_nothing_remains(accounts_app, person)
        _assert_account_is_gone(accounts_app, person)


@pytest.mark.parametrize(
    ("target", "kind", "field"),
    [
        ("self", "ValidationError", "userId"),
        ("not-an-id", "ValidationError", "userId"),
        ("course", "ValidationError", "userId"),
        ("missing", "NotFound", "userId"),
    ],
)
def test_admin_deletion_refusals(
    accounts_app: AccountsApp, target: str, kind: str, field: str
) -> None:
    admin = accounts_app.sign_up()
    accounts_app.db.users.update_one(
        {"_id": from_global_id(admin["user"]["id"]).id}, {"$set": {"roles": ["ADMIN"]}}
    )
    user_id = {
        "self": admin["user"]["id"],
        "not-an-id": "not-an-id",
        "course": to_global_id("Course", ObjectId()),
        "missing": to_global_id("User", ObjectId()),
    }[target]
    before = list(accounts_app.db.users.find())
    body = gql(
        accounts_app.client,
        DELETE_USER,
        {"input": {"userId": user_id}},
        token=admin["accessToken"],
    )
    result = body["data"]["userDelete"]
    assert (result["__typename"], result["field"]) == (kind, field)
    assert list(accounts_app.db.users.find()) == before


def test_only_admins_delete_others_and_only_the_signed_in_delete_themselves(
    accounts_app: AccountsApp,
) -> None:
    victim = accounts_app.sign_up()
    before = list(accounts_app.db.users.find())
    for role in ("STUDENT", "INSTRUCTOR"):
        caller = accounts_app.sign_up()
        accounts_app.db.users.update_one(
            {"_id": from_global_id(caller["user"]["id"]).id}, {"$set": {"roles": [role]}}
        )
        body = gql(
            accounts_app.client,
            DELETE_USER,
            {"input": {"userId": victim["user"]["id"]}},
            token=caller["accessToken"],
        )
        assert error_code(body) == "FORBIDDEN"
    anonymous = gql(accounts_app.client, DELETE_USER, {"input": {"userId": victim["user"]["id"]}})
    assert error_code(anonymous) == "UNAUTHENTICATED"
    own = gql(accounts_app.client, DELETE_ACCOUNT, {"input": {"password": PASSWORD}})
    assert error_code(own) == "UNAUTHENTICATED"
    victim_doc = next(u for u in before if u["_id"] == from_global_id(victim["user"]["id"]).id)
    assert accounts_app.db.users.find_one({"_id": victim_doc["_id"]}) == victim_doc
