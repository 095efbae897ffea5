"""Builds the authentication services from settings: signing keys, tokens, policies."""

from __future__ import annotations

import re
from datetime import timedelta

from auth.keys import KeyLoadError, KeySet, generate_dev_keypair, load_private_key, load_public_key
from auth.passwords import Passwords
from auth.refresh_tokens import RefreshPolicy
from auth.throttle import ThrottlePolicy
from auth.tokens import AccessTokens
from resolvers.account_services import AccountServices, SignUpLimit
from server.settings import Settings

__all__ = ["AuthSetupError", "access_tokens_from", "account_services_from", "keyset_from"]

_PEM_BLOCK = re.compile(r"-----BEGIN PUBLIC KEY-----.+?-----END PUBLIC KEY-----", re.DOTALL)


class AuthSetupError(RuntimeError):
    """The configured keys cannot be used; the message names the setting, never the key."""


def keyset_from(settings: Settings) -> KeySet:
    """The signing key and every trusted public key, as configured.

    Without a configured private key, development and tests generate one in
    the keys directory (kept across restarts); production refuses to start.
    """
    try:
        extra = [load_public_key(pem) for pem in _public_pems(settings)]
        extra += [load_public_key(path.read_bytes()) for path in settings.jwt_public_key_files]
        if settings.jwt_private_key is not None:
            signing = load_private_key(settings.jwt_private_key.get_secret_value())
        elif settings.jwt_private_key_file is not None:
            signing = load_private_key(settings.jwt_private_key_file.read_bytes())
        elif settings.is_production:
            raise AuthSetupError(
                "LEETO_JWT_PRIVATE_KEY or LEETO_JWT_PRIVATE_KEY_FILE is required in production"
            )
        else:
            signing = generate_dev_keypair(settings.keys_dir).signing_key
        return KeySet.create(signing, extra)
    except KeyLoadError as exc:
        raise AuthSetupError(f"JWT keys: {exc}") from None
    except OSError as exc:
        raise AuthSetupError(f"JWT keys: cannot read {exc.filename}: {exc.strerror}") from None


def _public_pems(settings: Settings) -> list[str]:
    if not settings.jwt_public_keys:
        return []
    blocks = _PEM_BLOCK.findall(settings.jwt_public_keys)
    if not blocks:
        raise AuthSetupError("LEETO_JWT_PUBLIC_KEYS holds no PEM public key")
    return blocks


def access_tokens_from(settings: Settings) -> AccessTokens:
    return AccessTokens(
        keyset_from(settings),
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        ttl=timedelta(seconds=settings.access_token_ttl_seconds),
    )


def account_services_from(settings: Settings, passwords: Passwords) -> AccountServices:
    window = timedelta(seconds=settings.login_throttle_window_seconds)
    max_delay = timedelta(seconds=settings.login_max_delay_seconds)
    return AccountServices(
        passwords=passwords,
        access_tokens=access_tokens_from(settings),
        refresh_policy=RefreshPolicy(
            absolute_ttl=timedelta(days=settings.refresh_token_ttl_days),
            idle_ttl=timedelta(days=settings.refresh_token_idle_days),
        ),
        refresh_reuse_grace=timedelta(seconds=settings.refresh_reuse_grace_seconds),
        login_per_account=ThrottlePolicy(
            free_failures=settings.login_free_failures, max_delay=max_delay, window=window
        ),
        login_per_address=ThrottlePolicy(
            free_failures=settings.login_free_failures_per_address,
            max_delay=max_delay,
            window=window,
        ),
        sign_up_limit=SignUpLimit(
            attempts=settings.signup_limit_per_address,
            window=timedelta(seconds=settings.signup_window_seconds),
        ),
    )
