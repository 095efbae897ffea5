from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from auth.refresh_tokens import (
    RefreshPolicy,
    hash_refresh_token,
    looks_like_refresh_token,
    new_refresh_token,
)

T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


def test_tokens_are_long_random_and_url_safe() -> None:
    tokens = {new_refresh_token() for _ in range(200)}
    assert len(tokens) == 200
    for token in tokens:
        assert len(token) == 43  # 256 bits in unpadded base64url
        assert looks_like_refresh_token(token)


def test_hash_is_sha256_hex_and_not_the_token() -> None:
    token = new_refresh_token()
    digest = hash_refresh_token(token)
    assert digest == hashlib.sha256(token.encode()).hexdigest()
    assert len(digest) == 64
    assert token not in digest
    assert hash_refresh_token(token) == digest
    assert hash_refresh_token(new_refresh_token()) != digest


@pytest.mark.parametrize("junk", ["", "short", "a" * 42, "a" * 44, "a" * 42 + "=", "a" * 42 + "."])
def test_shape_check_drops_junk(junk: str) -> None:
    assert not looks_like_refresh_token(junk)


def test_default_lifetimes() -> None:
    policy = RefreshPolicy()
    assert policy.absolute_ttl == timedelta(days=30)
    assert policy.idle_ttl == timedelta(days=7)


@pytest.mark.parametrize(
    ("last_used", "now", "expired"),
    [
        (T0, T0, False),
        (T0, T0 + timedelta(days=7) - timedelta(seconds=1), False),
        (T0, T0 + timedelta(days=7), True),
        (T0 + timedelta(days=5), T0 + timedelta(days=11), False),
        (T0 + timedelta(days=25), T0 + timedelta(days=30) - timedelta(seconds=1), False),
        (T0 + timedelta(days=29), T0 + timedelta(days=30), True),
        (T0 + timedelta(days=29, hours=23), T0 + timedelta(days=31), True),
    ],
)
def test_idle_and_absolute_expiry(last_used: datetime, now: datetime, expired: bool) -> None:
    assert RefreshPolicy().is_expired(T0, last_used, now) is expired


def test_expires_at_is_the_earlier_limit() -> None:
    policy = RefreshPolicy()
    assert policy.expires_at(T0, T0) == T0 + timedelta(days=7)
    assert policy.expires_at(T0, T0 + timedelta(days=28)) == T0 + timedelta(days=30)


def test_naive_datetimes_are_utc() -> None:
    naive = T0.replace(tzinfo=None)
    policy = RefreshPolicy()
    assert policy.is_expired(naive, naive, T0 + timedelta(days=8)) is True
    assert policy.is_expired(naive, naive, T0 + timedelta(days=1)) is False


@pytest.mark.parametrize(
    ("absolute", "idle"),
    [
        (timedelta(0), timedelta(days=1)),
        (timedelta(days=1), timedelta(0)),
        (timedelta(days=1), timedelta(days=2)),
    ],
)
def test_inconsistent_policy_is_refused(absolute: timedelta, idle: timedelta) -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        RefreshPolicy(absolute_ttl=absolute, idle_ttl=idle)
