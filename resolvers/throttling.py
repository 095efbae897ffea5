"""Throttling of log-ins (per account and per client address) and sign-ups (per address).

An attempt is written down first and judged second (see `datastore.attempts`).
A refused attempt is withdrawn, so waiting out the delay is enough to be let
in again; a failed one stays as the failure record; a successful log-in clears
the account's failures (not the address's, which would let anyone with an
account wipe the record of their guesses at others).
"""

from __future__ import annotations

import asyncio
import hashlib
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from bson import ObjectId

from auth.throttle import ThrottlePolicy
from datastore import collections as names
from datastore.attempts import (
    RecentAttempts,
    forget_attempts,
    forget_key,
    mark_failed,
    recent_attempts,
    record_attempts,
)
from resolvers.context import Context
from resolvers.outcomes import Refusal, rate_limited

__all__ = [
    "LogInAttempt",
    "account_key",
    "admit_log_in",
    "admit_sign_up",
    "forget_account",
    "log_in_failed",
    "log_in_succeeded",
]

# Past this many recent failures the back-off is at its maximum anyway.
_EXTRA_FAILURES_READ: Final = 64


def account_key(email_ciphertext: bytes) -> str:
    """The account's throttle key, the same whether or not the account exists.

    Derived from the deterministic e-mail ciphertext, so the attempt log holds
    nothing that reveals an address without the encryption key.
    """
    return "account:" + hashlib.sha256(bytes(email_ciphertext)).hexdigest()


def _address_key(ctx: Context) -> str:
    return "address:" + ctx.client_address


@dataclass(frozen=True, slots=True)
class LogInAttempt:
    """A log-in attempt that was let through; its records become failures unless cleared."""

    account: str
    address_record: ObjectId
    records: tuple[ObjectId, ...]


def _wait(policy: ThrottlePolicy, recent: RecentAttempts, now: datetime) -> int:
    if recent.newest is None:
        return 0
    return policy.retry_after(recent.count, recent.newest, now)


async def admit_log_in(ctx: Context, account: str, now: datetime) -> LogInAttempt | Refusal:
    services = ctx.require_accounts()
    per_account, per_address = services.login_per_account, services.login_per_address
    address = _address_key(ctx)
    keep_until = now + max(per_account.window, per_address.window)
    records = await record_attempts(
        ctx.db, names.LOGIN_FAILURES, [account, address], now=now, expires_at=keep_until
    )
    account_recent, address_recent = await asyncio.gather(
        recent_attempts(
            ctx.db,
            names.LOGIN_FAILURES,
            account,
            since=per_account.window_start(now),
            excluding=records,
            limit=per_account.free_failures + _EXTRA_FAILURES_READ,
        ),
        recent_attempts(
            ctx.db,
            names.LOGIN_FAILURES,
            address,
            since=per_address.window_start(now),
            excluding=records,
            limit=per_address.free_failures + _EXTRA_FAILURES_READ,
            # Attempts still running count against their account, so parallel
            # guesses at one account cannot slip past its allowance; against an
            # address only finished failures count, or a classroom behind one
            # NAT logging in at once would refuse itself.
            failed_only=True,
        ),
    )
    wait = max(_wait(per_account, account_recent, now), _wait(per_address, address_recent, now))
    if wait > 0:
        await forget_attempts(ctx.db, names.LOGIN_FAILURES, records)
        return rate_limited(wait)
    return LogInAttempt(account=account, address_record=records[1], records=tuple(records))


async def log_in_failed(ctx: Context, attempt: LogInAttempt) -> None:
    await mark_failed(ctx.db, names.LOGIN_FAILURES, attempt.records)


async def log_in_succeeded(ctx: Context, attempt: LogInAttempt) -> None:
    await asyncio.gather(
        forget_key(ctx.db, names.LOGIN_FAILURES, attempt.account),
        forget_attempts(ctx.db, names.LOGIN_FAILURES, [attempt.address_record]),
    )


async def forget_account(ctx: Context, email_ciphertext: bytes) -> None:
    """Drop the failed log-ins recorded against an account (it is being deleted)."""
    await forget_key(ctx.db, names.LOGIN_FAILURES, account_key(email_ciphertext))


async def admit_sign_up(ctx: Context, now: datetime) -> Refusal | None:
    """None when this address may sign up now (the attempt is then counted)."""
    limit = ctx.require_accounts().sign_up_limit
    key = _address_key(ctx)
    records = await record_attempts(
        ctx.db, names.SIGN_UP_ATTEMPTS, [key], now=now, expires_at=now + limit.window
    )
    recent = await recent_attempts(
        ctx.db,
        names.SIGN_UP_ATTEMPTS,
        key,
        since=now - limit.window,
        excluding=records,
        limit=limit.attempts,
    )
    if recent.count < limit.attempts or recent.oldest is None:
        return None
    await forget_attempts(ctx.db, names.SIGN_UP_ATTEMPTS, records)
    # The oldest counted attempt leaving the window frees a place.
    free_at = recent.oldest + limit.window
    return rate_limited(math.ceil((free_at - now).total_seconds()))
