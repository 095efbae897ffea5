"""The process-wide objects account resolvers need, built once at start-up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from auth.passwords import Passwords
from auth.refresh_tokens import RefreshPolicy
from auth.throttle import ThrottlePolicy
from auth.tokens import AccessTokens


@dataclass(frozen=True, slots=True)
class SignUpLimit:
    """At most `attempts` sign-ups per client address within `window`."""

    attempts: int
    window: timedelta


@dataclass(frozen=True, slots=True)
class AccountServices:
    passwords: Passwords
    access_tokens: AccessTokens
    refresh_policy: RefreshPolicy
    login_per_account: ThrottlePolicy
    login_per_address: ThrottlePolicy
    sign_up_limit: SignUpLimit
    # A spent refresh token presented again within this time of its rotation is
    # taken for a concurrent refresh (two tabs), refused without ending the session.
    refresh_reuse_grace: timedelta = timedelta(0)
