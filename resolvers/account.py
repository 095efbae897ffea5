"""Accounts: sign-up, log-in, token refresh, log-out, password change, roles.

Logs name users by id and never carry passwords, tokens or hashes.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from auth.emails import normalise_email, validate_email
from auth.passwords import validate_password
from auth.refresh_tokens import (
    hash_refresh_token,
    looks_like_refresh_token,
    new_refresh_token,
    sessions_valid_after,
    started_before,
)
from auth.roles import Role
from datastore.refresh_token import (
    StoredRefreshToken,
    family_revoked,
    find_refresh_token,
    find_successor,
    revoke_family,
    revoke_user_families,
    rotate_refresh_token,
    start_family,
)
from datastore.user import (
    EmailAlreadyRegistered,
    find_user_by_email,
    find_user_by_id,
    insert_user,
    new_user_doc,
    set_password_hash,
    set_roles,
    set_sessions_valid_after,
)
from resolvers.context import Context
from resolvers.errors import BadUserInput, Unauthenticated
from resolvers.global_ids import expect_global_id
from resolvers.outcomes import (
    LoggedOut,
    Refusal,
    SignedIn,
    email_taken,
    invalid_credentials,
    invalid_token,
    validation_error,
    weak_password,
)
from resolvers.profile_text import clean_city, clean_display_name
from resolvers.throttling import (
    account_key,
    admit_log_in,
    admit_sign_up,
    log_in_failed,
    log_in_succeeded,
)

__all__ = [
    "change_password",
    "log_in",
    "log_out",
    "refresh",
    "set_user_roles",
    "sign_in_verified",
    "sign_up",
    "viewer_user",
]

log = logging.getLogger("leeto.accounts")

_ROLE_ORDER: Final = list(Role)


def _now() -> datetime:
    return datetime.now(UTC)


async def sign_up(
    ctx: Context, *, email: str, password: str, display_name: str, city: str
) -> SignedIn | Refusal:
    services, cipher = ctx.require_accounts(), ctx.require_cipher()
    normalised = normalise_email(email)
    problem = validate_email(normalised)
    if problem is not None:
        return validation_error("email", problem)
    name = clean_display_name(display_name)
    if isinstance(name, Refusal):
        return name
    home = clean_city(city)
    if isinstance(home, Refusal):
        return home
    problem = validate_password(password) or _guessable(password, normalised)
    if problem is not None:
        return weak_password("password", problem)
    now = _now()
    refused = await admit_sign_up(ctx, now)
    if refused is not None:
        log.warning("sign-up throttled for address %s", ctx.client_address)
        return refused
    password_hash, email_ciphertext = await asyncio.gather(
        services.passwords.hash(password), cipher.encrypt_email(normalised)
    )
    user = new_user_doc(
        email=email_ciphertext,
        password_hash=password_hash,
        display_name=name,
        city=home,
        roles=[Role.STUDENT.value],
        now=now,
    )
    try:
        await insert_user(ctx.db, user)
    except EmailAlreadyRegistered:
        return email_taken()
    log.info("signed up: user %s", user["_id"])
    ctx.changed("User", user["_id"], lists=True)
    return await sign_in_verified(ctx, user, now)


def _guessable(password: str, normalised_email: str) -> str | None:
    lowered = password.strip().lower()
    if lowered in {normalised_email, normalised_email.partition("@")[0]}:
        return "Choose a password that is not your email address."
    return None


async def log_in(ctx: Context, *, email: str, password: str) -> SignedIn | Refusal:
    services, cipher = ctx.require_accounts(), ctx.require_cipher()
    normalised = normalise_email(email)
    problem = validate_email(normalised)
    if problem is not None:
        return validation_error("email", problem)
    if not password:
        return validation_error("password", "Enter your password.")
    now = _now()
    email_ciphertext = await cipher.encrypt_email(normalised)
    attempt = await admit_log_in(ctx, account_key(email_ciphertext), now)
    if isinstance(attempt, Refusal):
        log.warning("log-in throttled for address %s", ctx.client_address)
        return attempt
    user = await find_user_by_email(ctx.db, email_ciphertext)
    if user is None:
        # Same work as a wrong password, so timing does not reveal unknown addresses.
        await services.passwords.verify_dummy(password)
        verified = False
    else:
        verified = await services.passwords.verify(user["passwordHash"], password)
    if not verified or user is None:
        await log_in_failed(ctx, attempt)
        log.info("log-in failed from address %s", ctx.client_address)
        return invalid_credentials()
    await log_in_succeeded(ctx, attempt)
    await _upgrade_hash(ctx, user, password, now)
    log.info("logged in: user %s", user["_id"])
    return await sign_in_verified(ctx, user, now)


async def _upgrade_hash(ctx: Context, user: dict[str, Any], password: str, now: datetime) -> None:
    """Rehash with the current parameters when the stored hash used other ones."""
    passwords = ctx.require_accounts().passwords
    stored: str = user["passwordHash"]
    if not passwords.needs_rehash(stored):
        return
    try:
        upgraded = await passwords.hash(password)
    except ValueError:
        return  # set under an older, looser policy: the next password change fixes it
    if await set_password_hash(ctx.db, user["_id"], upgraded, now=now, replacing=stored):
        user["passwordHash"] = upgraded
        log.info("password hash upgraded: user %s", user["_id"])


async def sign_in_verified(
    ctx: Context, user: dict[str, Any], verified_at: datetime
) -> SignedIn | Refusal:
    """Start a refresh token family for a user whose credentials were checked at
    `verified_at` (a time taken before the password hash was read).

    A password change (or account deletion) completed meanwhile moved the user's
    `sessionsValidAfter` past `verified_at`: the new family is revoked at once
    and the log-in refused, so a log-in that checked the old password cannot
    outlive the change (refresh checks the same time, should this one slip by).
    """
    services = ctx.require_accounts()
    refresh_token = new_refresh_token()
    stored = await start_family(
        ctx.db,
        token_hash=hash_refresh_token(refresh_token),
        user_id=user["_id"],
        now=verified_at,
        expires_at=services.refresh_policy.expires_at(verified_at, verified_at),
    )
    current = await find_user_by_id(ctx.db, user["_id"])
    if current is None or _sessions_reset_since(current, verified_at):
        await _revoke(ctx, stored, _now())
        log.info("log-in outdated by a password change: user %s", user["_id"])
        return invalid_credentials("Your password was changed meanwhile. Log in again.")
    return _signed_in(ctx, current, refresh_token, stored, _now())


def _sessions_reset_since(user: dict[str, Any], started_at: datetime) -> bool:
    """The account was deleted, or its sessions were reset after `started_at`."""
    if user.get("deletedAt") is not None:
        return True
    return started_before(started_at, user.get("sessionsValidAfter"))


def _signed_in(
    ctx: Context,
    user: dict[str, Any],
    refresh_token: str,
    stored: StoredRefreshToken,
    now: datetime,
) -> SignedIn:
    """A fresh access token with the user's current roles, beside the stored refresh token."""
    access = ctx.require_accounts().access_tokens.issue(
        str(user["_id"]), user.get("roles", []), now=now
    )
    return SignedIn(
        access_token=access.token,
        access_token_expires_at=access.expires_at,
        refresh_token=refresh_token,
        refresh_token_expires_at=stored.expires_at,
        user=user,
    )


async def refresh(ctx: Context, *, refresh_token: str) -> SignedIn | Refusal:
    """Rotate a refresh token: the presented one is spent, a successor is issued.

    Presenting a token that was already spent means two parties hold it, so
    the whole family is revoked and both must log in again (RFC 9700 4.14.2).
    """
    services = ctx.require_accounts()
    policy = services.refresh_policy
    if not looks_like_refresh_token(refresh_token):
        return invalid_token()
    presented = await find_refresh_token(ctx.db, hash_refresh_token(refresh_token))
    if presented is None:
        return invalid_token()
    now = _now()
    if policy.is_expired(presented.issued_at, presented.last_used_at, now):
        return invalid_token()
    if await family_revoked(ctx.db, presented.family_id):
        return invalid_token()
    user = await find_user_by_id(ctx.db, presented.user_id)
    if user is None or _sessions_reset_since(user, presented.issued_at):
        # Begun before a password change (a log-in racing it) or a deletion.
        await _revoke(ctx, presented, now)
        return invalid_token()
    successor_token = new_refresh_token()
    successor = await rotate_refresh_token(
        ctx.db,
        presented,
        token_hash=hash_refresh_token(successor_token),
        now=now,
        expires_at=policy.expires_at(presented.issued_at, now),
    )
    if successor is None:
        if await _within_reuse_grace(ctx, presented, now):
            log.info("concurrent refresh refused: family %s", presented.family_id)
            return invalid_token()
        await _revoke(ctx, presented, now)
        log.warning(
            "refresh token reused: family %s of user %s revoked",
            presented.family_id,
            presented.user_id,
        )
        return invalid_token()
    return _signed_in(ctx, user, successor_token, successor, now)


async def _within_reuse_grace(ctx: Context, spent: StoredRefreshToken, now: datetime) -> bool:
    grace = ctx.require_accounts().refresh_reuse_grace
    if grace <= timedelta(0):
        return False
    successor = await find_successor(ctx.db, spent.token_hash)
    return successor is not None and now - successor.last_used_at <= grace


async def _revoke(ctx: Context, token: StoredRefreshToken, now: datetime) -> bool:
    absolute_ttl = ctx.require_accounts().refresh_policy.absolute_ttl
    return await revoke_family(
        ctx.db, token.family_id, token.user_id, now=now, keep_until=now + absolute_ttl
    )


async def log_out(ctx: Context, *, refresh_token: str, all_devices: bool) -> LoggedOut | Refusal:
    """Revoke the token's family, or with `all_devices` every family of its user."""
    if not looks_like_refresh_token(refresh_token):
        return invalid_token()
    presented = await find_refresh_token(ctx.db, hash_refresh_token(refresh_token))
    if presented is None:
        return invalid_token()
    now = _now()
    if all_devices:
        absolute_ttl = ctx.require_accounts().refresh_policy.absolute_ttl
        revoked = await revoke_user_families(
            ctx.db, presented.user_id, now=now, keep_until=now + absolute_ttl
        )
        # The presented family counts even if it had already expired.
        revoked += int(await _revoke(ctx, presented, now))
    else:
        revoked = int(await _revoke(ctx, presented, now))
    log.info("logged out: user %s, %d session(s) revoked", presented.user_id, revoked)
    return LoggedOut(revoked_sessions=revoked)


async def change_password(
    ctx: Context, *, current_password: str, new_password: str
) -> SignedIn | Refusal:
    """Change the viewer's password; every session ends and a new one starts here."""
    services = ctx.require_accounts()
    viewer = ctx.require_viewer()
    user = await find_user_by_id(ctx.db, viewer.user_id)
    if user is None or user.get("deletedAt") is not None:
        raise Unauthenticated("This account no longer exists.")
    if not current_password:
        return validation_error("currentPassword", "Enter your current password.")
    problem = validate_password(new_password)
    if problem is not None:
        return weak_password("newPassword", problem)
    if new_password == current_password:
        return validation_error("newPassword", "Choose a password different from the current one.")
    now = _now()
    # Wrong current passwords count as failed log-ins: a stolen access token
    # must not become a way to guess the password.
    attempt = await admit_log_in(ctx, account_key(user["email"]), now)
    if isinstance(attempt, Refusal):
        return attempt
    if not await services.passwords.verify(user["passwordHash"], current_password):
        await log_in_failed(ctx, attempt)
        log.info("password change refused (wrong current password): user %s", user["_id"])
        return invalid_credentials("The current password is incorrect.")
    await log_in_succeeded(ctx, attempt)
    new_hash = await services.passwords.hash(new_password)
    await set_password_hash(ctx.db, user["_id"], new_hash, now=now)
    # Taken once the new hash is stored: any log-in still holding the old one began
    # earlier, and so did the session it may yet start (see sessions_valid_after).
    valid_after = sessions_valid_after(_now())
    await set_sessions_valid_after(ctx.db, user["_id"], valid_after)
    revoked = await revoke_user_families(
        ctx.db,
        user["_id"],
        now=valid_after,
        keep_until=valid_after + services.refresh_policy.absolute_ttl,
    )
    log.info("password changed: user %s, %d session(s) revoked", user["_id"], revoked)
    return await sign_in_verified(ctx, user, valid_after)


async def set_user_roles(
    ctx: Context, *, user_id: str, roles: list[str]
) -> dict[str, Any] | Refusal:
    """Admin only (checked by the schema's permission); returns the updated user."""
    viewer = ctx.require_viewer()
    try:
        target = expect_global_id(user_id, "User", argument="userId")
    except BadUserInput as exc:
        return validation_error("userId", exc.message)
    wanted = {Role(role) for role in roles}
    if not wanted:
        return validation_error("roles", "Give the user at least one role.")
    if target == viewer.user_id and Role.ADMIN not in wanted:
        return validation_error(
            "roles", "You cannot remove your own ADMIN role; ask another administrator."
        )
    ordered = [role.value for role in _ROLE_ORDER if role in wanted]
    user = await set_roles(ctx.db, target, ordered, now=_now())
    if user is None:
        return validation_error("userId", "No user has this ID.")
    log.info("roles of user %s set to %s by user %s", target, ",".join(ordered), viewer.user_id)
    ctx.changed("User", target, lists=True)
    return user


async def viewer_user(ctx: Context) -> dict[str, Any] | None:
    """The signed-in user's document; None when anonymous (a bad token raises)."""
    viewer = ctx.viewer()
    if viewer is None:
        return None
    doc: dict[str, Any] | None = await ctx.loaders.user_by_id.load(viewer.user_id)
    return doc
