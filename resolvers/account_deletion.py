"""Account deletion (POPIA): a user deletes their own account, or an administrator does.

What the person gave us goes: the e-mail (replaced by a tombstone, so the
address can sign up again), password hash, phone, ID number, date of birth,
name, bio and city. The account's document stays as "Deleted user", because
reviews and class lists name it; its sessions end, it can no longer log in,
and its enrolments are cancelled (freeing seats for the waitlist).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId

from auth.refresh_tokens import sessions_valid_after
from datastore.refresh_token import revoke_user_families
from datastore.user import erase_user, find_user_by_id
from resolvers.context import Context
from resolvers.enrollment import cancel_all_enrollments_of_user
from resolvers.errors import BadUserInput, Unauthenticated
from resolvers.global_ids import expect_global_id
from resolvers.outcomes import Refusal, invalid_credentials, not_found, validation_error
from resolvers.throttling import (
    account_key,
    admit_log_in,
    forget_account,
    log_in_failed,
    log_in_succeeded,
)

__all__ = ["delete_own_account", "delete_user"]

log = logging.getLogger("leeto.accounts")


def _now() -> datetime:
    return datetime.now(UTC)


async def _erase(ctx: Context, user: dict[str, Any]) -> ObjectId:
    """Erase, end every session, cancel enrolments; safe to run again."""
    user_id: ObjectId = user["_id"]
    email = user.get("email")
    now = _now()
    erased = await erase_user(
        ctx.db, user_id, now=now, sessions_valid_after=sessions_valid_after(now)
    )
    if erased is None:
        raise RuntimeError("the account disappeared while it was being deleted")
    ttl = ctx.require_accounts().refresh_policy.absolute_ttl
    revoked = await revoke_user_families(ctx.db, user_id, now=now, keep_until=now + ttl)
    if isinstance(email, bytes):
        await forget_account(ctx, email)  # failed log-ins keyed by the old address
    cancelled = await cancel_all_enrollments_of_user(ctx, user_id)
    ctx.loaders.forget_user(user_id)
    ctx.loaders.user_by_id.prime(user_id, erased)
    ctx.changed("User", user_id, lists=True)  # its name, on its reviews and classes
    log.info(
        "account deleted: user %s, %d session(s) revoked, %d enrolment(s) cancelled",
        user_id,
        revoked,
        cancelled,
    )
    return user_id


async def delete_own_account(ctx: Context, *, password: str) -> ObjectId | Refusal:
    """The signed-in user deletes their account, confirming with their password.

    Wrong passwords count as failed log-ins, like a password change: a stolen
    access token must not become a way to guess the password.
    """
    viewer = ctx.require_viewer()
    user = await find_user_by_id(ctx.db, viewer.user_id)
    if user is None or user.get("deletedAt") is not None:
        raise Unauthenticated("This account no longer exists.")
    if not password:
        return validation_error("password", "Enter your password to confirm.")
    attempt = await admit_log_in(ctx, account_key(user["email"]), _now())
    if isinstance(attempt, Refusal):
        return attempt
    if not await ctx.require_accounts().passwords.verify(user["passwordHash"], password):
        await log_in_failed(ctx, attempt)
        log.info("account deletion refused (wrong password): user %s", user["_id"])
        return invalid_credentials("The password is incorrect.")
    await log_in_succeeded(ctx, attempt)
    return await _erase(ctx, user)


async def delete_user(ctx: Context, *, user_id: str) -> ObjectId | Refusal:
    """An administrator deletes another user's account (admin only, by permission)."""
    viewer = ctx.require_viewer()
    try:
        target = expect_global_id(user_id, "User", argument="userId")
    except BadUserInput as exc:
        return validation_error("userId", exc.message)
    if target == viewer.user_id:
        return validation_error("userId", "Delete your own account with userDeleteAccount.")
    user = await find_user_by_id(ctx.db, target)
    if user is None:
        return not_found("userId", "No user has this ID.")
    log.info("user %s deletes the account of user %s", viewer.user_id, target)
    return await _erase(ctx, user)
