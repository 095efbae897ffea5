"""tokenRefresh and userLogOut: rotation, reuse detection, races, expiry, revocation."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from bson import ObjectId

from datastore.client import Database
from datastore.indexes import ensure_indexes
from datastore.refresh_token import rotate_refresh_token, start_family
from server.settings import Settings
from tests.accounts.accounts_helpers import (
    LOG_OUT,
    REFRESH,
    RELAXED,
    VIEWER,
    AccountsApp,
    agql,
    serving,
    unique_email,
)
from tests.graphql_client import gql


def _log_out(app: AccountsApp, refresh_token: str, *, all_devices: bool = False) -> dict:
    body = gql(
        app.client,
        LOG_OUT,
        {"input": {"refreshToken": refresh_token, "allDevices": all_devices}},
    )
    assert "errors" not in body, body
    result: dict = body["data"]["userLogOut"]
    return result


def test_refresh_rotates_the_token(accounts_app: AccountsApp) -> None:
    signed_up = accounts_app.sign_up()
    first = signed_up["refreshToken"]
    rotated = accounts_app.refresh(first)
    assert rotated["__typename"] == "AuthPayload"
    assert rotated["refreshToken"] != first
    assert rotated["accessToken"] != signed_up["accessToken"]
    assert rotated["user"]["id"] == signed_up["user"]["id"]
    viewer = gql(accounts_app.client, VIEWER, token=rotated["accessToken"])
    assert viewer["data"]["viewer"]["id"] == signed_up["user"]["id"]
    # A chain of refreshes keeps working, each token once.
    again = accounts_app.refresh(rotated["refreshToken"])
    assert again["__typename"] == "AuthPayload"


def test_reusing_a_rotated_token_revokes_the_whole_family(accounts_app: AccountsApp) -> None:
    email = unique_email()
    first = accounts_app.sign_up(email)["refreshToken"]
    second = accounts_app.refresh(first)["refreshToken"]
    other_device = accounts_app.log_in(email)["refreshToken"]

    replay = accounts_app.refresh(first)
    assert replay["__typename"] == "InvalidToken"
    assert replay["code"] == "INVALID_TOKEN"
    # The newest token of that family is dead too: whoever holds it must log in again.
    assert accounts_app.refresh(second)["__typename"] == "InvalidToken"
    # Another log-in is another family, untouched.
    assert accounts_app.refresh(other_device)["__typename"] == "AuthPayload"


async def _race_refreshes(
    client: httpx.AsyncClient, racers: int
) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]:
    """Sign up, then refresh with the same token `racers` times at once.

    Returns the variables that present the raced token, every result, and the winner.
    """
    signed_up = await agql(
        client,
        """mutation($input: UserSignUpInput!) {
             userSignUp(input: $input) { ... on AuthPayload { refreshToken } }
           }""",
        {"input": {"email": unique_email(), "password": "long enough pw", "displayName": "A"}},
    )
    token = signed_up["data"]["userSignUp"]["refreshToken"]
    variables = {"input": {"refreshToken": token}}
    bodies = await asyncio.gather(*(agql(client, REFRESH, variables) for _ in range(racers)))
    results = [body["data"]["tokenRefresh"] for body in bodies]
    winners = [r for r in results if r["__typename"] == "AuthPayload"]
    assert len(winners) == 1, results
    return variables, results, winners[0]


async def test_simultaneous_refreshes_with_one_token_let_exactly_one_through(
    make_settings: Callable[..., Settings], fresh_db_name: str
) -> None:
    async with serving(make_settings(fresh_db_name, **RELAXED)) as client:
        _, results, winner = await _race_refreshes(client, 8)
        assert all(r["__typename"] == "InvalidToken" for r in results if r is not winner)
        # The losers presented a spent token: reuse, so the winner's token is revoked too.
        after = await agql(client, REFRESH, {"input": {"refreshToken": winner["refreshToken"]}})
        assert after["data"]["tokenRefresh"]["__typename"] == "InvalidToken"


async def test_with_a_reuse_grace_the_winner_of_simultaneous_refreshes_keeps_its_session(
    make_settings: Callable[..., Settings], fresh_db_name: str
) -> None:
    settings = make_settings(fresh_db_name, **RELAXED, refresh_reuse_grace_seconds=1.5)
    async with serving(settings) as client:
        variables, results, winner = await _race_refreshes(client, 4)
        assert all(r["__typename"] == "InvalidToken" for r in results if r is not winner)
        # The tab that lost the race is refused, but the session goes on.
        after = await agql(client, REFRESH, {"input": {"refreshToken": winner["refreshToken"]}})
        assert after["data"]["tokenRefresh"]["__typename"] == "AuthPayload"
        # Past the grace, presenting the spent token is reuse again: the family ends.
        await asyncio.sleep(1.7)
        replay = await agql(client, REFRESH, variables)
        assert replay["data"]["tokenRefresh"]["__typename"] == "InvalidToken"
        latest = after["data"]["tokenRefresh"]["refreshToken"]
        ended = await agql(client, REFRESH, {"input": {"refreshToken": latest}})
        assert ended["data"]["tokenRefresh"]["__typename"] == "InvalidToken"


async def test_rotation_has_one_winner_at_the_datastore(fresh_async_db: Database) -> None:
    db = fresh_async_db
    await ensure_indexes(db)
    now = datetime.now(UTC)
    parent = await start_family(
        db,
        token_hash=secrets.token_hex(32),
        user_id=ObjectId(),
        now=now,
        expires_at=now + timedelta(days=1),
    )
    successors = await asyncio.gather(
        *(
            rotate_refresh_token(
                db,
                parent,
                token_hash=secrets.token_hex(32),
                now=now,
                expires_at=now + timedelta(days=1),
            )
            for _ in range(20)
        )
    )
    assert sum(successor is not None for successor in successors) == 1
    assert await db.refreshTokens.count_documents({"parentHash": parent.token_hash}) == 1


def test_only_a_hash_of_the_token_is_stored(accounts_app: AccountsApp) -> None:
    token = accounts_app.sign_up()["refreshToken"]
    (stored,) = list(accounts_app.db.refreshTokens.find())
    assert stored["_id"] == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(stored)
    assert set(stored) == {
        "_id",
        "parentHash",
        "familyId",
        "userId",
        "issuedAt",
        "lastUsedAt",
        "expiresAt",
    }
    assert stored["expiresAt"] - stored["issuedAt"] == timedelta(days=7)  # idle limit first


@pytest.mark.parametrize(
    ("field", "age"),
    [("lastUsedAt", timedelta(days=7, seconds=1)), ("issuedAt", timedelta(days=30, seconds=1))],
)
def test_idle_and_old_tokens_expire(accounts_app: AccountsApp, field: str, age: timedelta) -> None:
    token = accounts_app.sign_up()["refreshToken"]
    token_hash = hashlib.sha256(token.encode()).hexdigest()
    accounts_app.db.refreshTokens.update_one(
        {"_id": token_hash}, {"$set": {field: datetime.now(UTC) - age}}
    )
    assert accounts_app.refresh(token)["__typename"] == "InvalidToken"


def test_refresh_keeps_the_absolute_limit_of_the_first_log_in(accounts_app: AccountsApp) -> None:
    token = accounts_app.sign_up()["refreshToken"]
    token_hash = hashlib.sha256(token.encode()).hexdigest()
    started = datetime.now(UTC) - timedelta(days=29, hours=23)
    accounts_app.db.refreshTokens.update_one({"_id": token_hash}, {"$set": {"issuedAt": started}})
    rotated = accounts_app.refresh(token)
    assert rotated["__typename"] == "AuthPayload"
    expires = datetime.fromisoformat(rotated["refreshTokenExpiresAt"])
    assert abs(expires - (started + timedelta(days=30))) < timedelta(seconds=1)


@pytest.mark.parametrize(
    "token",
    ["", "short", "x" * 43, secrets.token_urlsafe(32), "a" * 10_000, "../../etc/passwd"],
)
def test_unknown_or_malformed_tokens_are_invalid(accounts_app: AccountsApp, token: str) -> None:
    assert accounts_app.refresh(token)["__typename"] == "InvalidToken"


def test_an_access_token_is_not_a_refresh_token(accounts_app: AccountsApp) -> None:
    access = accounts_app.sign_up()["accessToken"]
    assert accounts_app.refresh(access)["__typename"] == "InvalidToken"


def test_refresh_works_with_an_expired_access_token_attached(
    accounts_app: AccountsApp,
) -> None:
    signed_up = accounts_app.sign_up()
    rotated = accounts_app.refresh(signed_up["refreshToken"], token="expired.or.garbage")
    assert rotated["__typename"] == "AuthPayload"


def test_refresh_issues_the_roles_stored_now(accounts_app: AccountsApp) -> None:
    signed_up = accounts_app.sign_up()
    accounts_app.db.users.update_one({}, {"$set": {"roles": ["STUDENT", "INSTRUCTOR"]}})
    rotated = accounts_app.refresh(signed_up["refreshToken"])
    claims = jwt.decode(rotated["accessToken"], options={"verify_signature": False})
    assert claims["roles"] == ["STUDENT", "INSTRUCTOR"]


def test_log_out_revokes_this_session_only(accounts_app: AccountsApp) -> None:
    email = unique_email()
    here = accounts_app.sign_up(email)["refreshToken"]
    elsewhere = accounts_app.log_in(email)["refreshToken"]
    assert _log_out(accounts_app, here) == {"__typename": "LogOutPayload", "revokedSessions": 1}
    assert accounts_app.refresh(here)["__typename"] == "InvalidToken"
    assert accounts_app.refresh(elsewhere)["__typename"] == "AuthPayload"
    # Logging out again is harmless.
    assert _log_out(accounts_app, here)["revokedSessions"] == 0


def test_log_out_everywhere_revokes_every_session(accounts_app: AccountsApp) -> None:
    email = unique_email()
    sessions = [accounts_app.sign_up(email)["refreshToken"]]
    sessions += [accounts_app.log_in(email)["refreshToken"] for _ in range(2)]
    sessions[1] = accounts_app.refresh(sessions[1])["refreshToken"]
    someone_else = accounts_app.sign_up()["refreshToken"]

    result = _log_out(accounts_app, sessions[0], all_devices=True)
    assert result == {"__typename": "LogOutPayload", "revokedSessions": 3}
    for token in sessions:
        assert accounts_app.refresh(token)["__typename"] == "InvalidToken"
    assert accounts_app.refresh(someone_else)["__typename"] == "AuthPayload"


def test_log_out_with_an_unknown_token_is_invalid(accounts_app: AccountsApp) -> None:
    result = _log_out(accounts_app, secrets.token_urlsafe(32))
    assert result["__typename"] == "InvalidToken"


async def test_refresh_and_log_out_race_leaves_the_family_revoked(
    make_settings: Callable[..., Settings], fresh_db_name: str
) -> None:
    async with serving(make_settings(fresh_db_name, **RELAXED)) as client:
        body = await agql(
            client,
            """mutation($input: UserSignUpInput!) {
                 userSignUp(input: $input) { ... on AuthPayload { refreshToken } }
               }""",
            {"input": {"email": unique_email(), "password": "long enough pw", "displayName": "B"}},
        )
        token = body["data"]["userSignUp"]["refreshToken"]
        refreshed, _ = await asyncio.gather(
            agql(client, REFRESH, {"input": {"refreshToken": token}}),
            agql(client, LOG_OUT, {"input": {"refreshToken": token}}),
        )
        result = refreshed["data"]["tokenRefresh"]
        if result["__typename"] == "AuthPayload":
            # The rotation won the race, yet its successor must not outlive the log-out.
            again = await agql(client, REFRESH, {"input": {"refreshToken": result["refreshToken"]}})
            assert again["data"]["tokenRefresh"]["__typename"] == "InvalidToken"
