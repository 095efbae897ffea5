"""A password change ends every other session, including a log-in running at the same time.

The race, made deterministic: a log-in checks the old password at `verified_at`,
the password changes, and only then does the log-in start its refresh family
(issued at `verified_at`). Both the sign-in's completion and every refresh
compare the family's start with the user's `sessionsValidAfter`.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from bson import ObjectId

from auth.refresh_tokens import hash_refresh_token, new_refresh_token, sessions_valid_after
from datastore.client import open_client
from datastore.loaders import Loaders
from datastore.refresh_token import start_family
from datastore.user import find_user_by_id
from resolvers.account import sign_in_verified
from resolvers.context import Context
from resolvers.global_ids import from_global_id
from resolvers.outcomes import Problem, Refusal, SignedIn
from server.auth_setup import account_services_from
from server.security import passwords_from
from tests.accounts.accounts_helpers import (
    CHANGE_PASSWORD,
    NEW_PASSWORD,
    PASSWORD,
    AccountsApp,
    unique_email,
)
from tests.graphql_client import gql


def _change_password(app: AccountsApp, token: str) -> dict[str, Any]:
    variables = {"input": {"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD}}
    body = gql(app.client, CHANGE_PASSWORD, variables, token=token)
    result: dict[str, Any] = body["data"]["userChangePassword"]
    assert result["__typename"] == "AuthPayload", body
    return result


def _start_family_at(app: AccountsApp, user_id: ObjectId, at: datetime) -> str:
    """What a slow log-in does last: store the first token of its family."""
    token = new_refresh_token()

    async def start() -> None:
        client = open_client(app.settings.database_uri())
        try:
            await start_family(
                client[app.settings.database_name],
                token_hash=hash_refresh_token(token),
                user_id=user_id,
                now=at,
                expires_at=at + timedelta(days=30),
            )
        finally:
            await client.close()

    asyncio.run(start())
    return token


def test_a_family_begun_before_the_change_cannot_refresh(accounts_app: AccountsApp) -> None:
    signed_up = accounts_app.sign_up(unique_email())
    user_id = from_global_id(signed_up["user"]["id"]).id
    verified_at = datetime.now(UTC)  # the racing log-in has just checked the old password
    changed = _change_password(accounts_app, signed_up["accessToken"])

    late = _start_family_at(accounts_app, user_id, verified_at)  # ...and finishes now
    assert accounts_app.refresh(late)["__typename"] == "InvalidToken"
    stored = accounts_app.db.users.find_one({"_id": user_id})
    assert stored is not None
    assert stored["sessionsValidAfter"] > verified_at
    # The session the change itself started goes on, and so does a later log-in.
    assert accounts_app.refresh(changed["refreshToken"])["__typename"] == "AuthPayload"
    after = _start_family_at(accounts_app, user_id, datetime.now(UTC))
    assert accounts_app.refresh(after)["__typename"] == "AuthPayload"


def test_a_log_in_that_checked_the_old_password_is_refused_at_completion(
    accounts_app: AccountsApp,
) -> None:
    signed_up = accounts_app.sign_up(unique_email())
    user_id = from_global_id(signed_up["user"]["id"]).id
    verified_at = datetime.now(UTC)
    _change_password(accounts_app, signed_up["accessToken"])
    settings = accounts_app.settings

    async def complete_log_in() -> SignedIn | Refusal:
        client = open_client(settings.database_uri())
        try:
            db = client[settings.database_name]
            ctx = Context(
                db=db,
                loaders=Loaders(db),
                request_id="test",
                accounts=account_services_from(settings, passwords_from(settings)),
            )
            user = await find_user_by_id(db, user_id)
            assert user is not None
            return await sign_in_verified(ctx, user, verified_at)
        finally:
            await client.close()

    outcome = asyncio.run(complete_log_in())
    assert isinstance(outcome, Refusal)
    assert outcome.problem is Problem.INVALID_CREDENTIALS
    # The family it had stored is revoked, not merely unused.
    family = accounts_app.db.refreshTokens.find_one({"userId": user_id, "issuedAt": verified_at})
    assert family is not None
    assert accounts_app.db.revokedTokenFamilies.find_one({"_id": family["familyId"]}) is not None


def test_sessions_valid_after_is_strictly_later_once_stored_in_milliseconds() -> None:
    moment = datetime(2026, 1, 1, 12, 0, 0, 999_999, tzinfo=UTC)
    valid_after = sessions_valid_after(moment)
    assert valid_after > moment
    assert valid_after.microsecond % 1000 == 0
    truncated = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
    assert truncated < valid_after
