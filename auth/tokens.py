"""Short-lived EdDSA access tokens (RFC 9068 shape, RFC 8725 checks)."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import jwt

from auth._time import as_utc
from auth.keys import KeySet

__all__ = [
    "ACCESS_TOKEN_TYPE",
    "AccessClaims",
    "AccessTokens",
    "InvalidAccessToken",
    "IssuedAccessToken",
]

ACCESS_TOKEN_TYPE: Final = "at+jwt"  # noqa: S105 - a media type, not a secret
_ALGORITHM: Final = "EdDSA"
_REQUIRED_CLAIMS: Final = ("iss", "aud", "sub", "iat", "nbf", "exp", "jti", "roles")
# Real tokens are a few hundred bytes; refusing huge input bounds parsing work.
_MAX_TOKEN_LENGTH: Final = 8192


class InvalidAccessToken(Exception):
    """Any reason an access token is refused; the message is safe to show."""

    def __init__(self, message: str = "invalid access token", *, expired: bool = False) -> None:
        super().__init__(message)
        self.expired = expired


@dataclass(frozen=True, slots=True)
class AccessClaims:
    subject: str
    roles: tuple[str, ...]
    token_id: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class IssuedAccessToken:
    token: str
    token_id: str
    expires_at: datetime


def _is_access_type(typ: object) -> bool:
    # RFC 7515 4.1.9: "application/" may be omitted, and the comparison is
    # case-insensitive.
    if not isinstance(typ, str):
        return False
    value = typ.lower()
    return value in {ACCESS_TOKEN_TYPE, f"application/{ACCESS_TOKEN_TYPE}"}


class AccessTokens:
    """Issues and verifies access tokens against one KeySet.

    Verification trusts nothing in the header beyond choosing a key by kid:
    the algorithm is pinned, the type must say access token, and every claim
    must be present.
    """

    def __init__(
        self,
        keys: KeySet,
        *,
        issuer: str,
        audience: str,
        ttl: timedelta = timedelta(minutes=15),
        leeway: timedelta = timedelta(seconds=30),
    ) -> None:
        if not issuer or not audience:
            raise ValueError("issuer and audience are required")
        if ttl < timedelta(seconds=1):
            raise ValueError("ttl must be at least one second")
        if leeway < timedelta(0):
            raise ValueError("leeway must not be negative")
        self._keys = keys
        self._issuer = issuer
        self._audience = audience
        self._ttl = ttl
        self._leeway = leeway

    @property
    def ttl(self) -> timedelta:
        return self._ttl

    def jwks(self) -> dict[str, Any]:
        """Public keys for anyone who verifies our tokens, rotated keys included."""
        return self._keys.jwks()

    def issue(
        self,
        subject: str,
        roles: Iterable[str],
        *,
        now: datetime | None = None,
    ) -> IssuedAccessToken:
        """Sign a token for the subject; `now` (naive means UTC) exists for clocks and tests."""
        if not subject:
            raise ValueError("subject is required")
        role_list = list(roles)
        if not all(isinstance(role, str) for role in role_list):
            raise TypeError("roles must be strings")
        issued_at = int(as_utc(now or datetime.now(UTC)).timestamp())
        expires_at = issued_at + int(self._ttl.total_seconds())
        token_id = secrets.token_urlsafe(16)
        payload: dict[str, Any] = {
            "iss": self._issuer,
            "aud": self._audience,
            "sub": subject,
            "iat": issued_at,
            "nbf": issued_at,
            "exp": expires_at,
            "jti": token_id,
            "roles": [str(role) for role in role_list],
        }
        token = jwt.encode(
            payload,
            self._keys.signing_key,
            algorithm=_ALGORITHM,
            headers={"typ": ACCESS_TOKEN_TYPE, "kid": self._keys.signing_kid},
        )
        return IssuedAccessToken(
            token=token,
            token_id=token_id,
            expires_at=datetime.fromtimestamp(expires_at, UTC),
        )

    def verify(self, token: str) -> AccessClaims:
        if not isinstance(token, str) or not token or len(token) > _MAX_TOKEN_LENGTH:
            raise InvalidAccessToken()
        try:
            header = jwt.get_unverified_header(token)
        except (jwt.PyJWTError, ValueError, TypeError):
            raise InvalidAccessToken() from None
        if header.get("alg") != _ALGORITHM or not _is_access_type(header.get("typ")):
            raise InvalidAccessToken()
        if "crit" in header:
            raise InvalidAccessToken()
        kid = header.get("kid")
        key = self._keys.public_key(kid) if isinstance(kid, str) else None
        if key is None:
            raise InvalidAccessToken()
        try:
            payload = jwt.decode(
                token,
                key,
                algorithms=[_ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway,
                options={
                    "require": list(_REQUIRED_CLAIMS),
                    "strict_aud": True,
                    "verify_signature": True,
                    "verify_exp": True,
                    "verify_nbf": True,
                    "verify_iat": True,
                    "verify_iss": True,
                    "verify_aud": True,
                    "verify_sub": True,
                    "verify_jti": True,
                },
            )
        except jwt.ExpiredSignatureError:
            raise InvalidAccessToken("access token expired", expired=True) from None
        except (jwt.PyJWTError, ValueError, TypeError):
            raise InvalidAccessToken() from None
        return _claims(payload)


def _claims(payload: dict[str, Any]) -> AccessClaims:
    subject = payload["sub"]
    token_id = payload["jti"]
    roles = payload["roles"]
    exp = payload["exp"]
    if not isinstance(subject, str) or not subject:
        raise InvalidAccessToken()
    if not isinstance(token_id, str) or not token_id:
        raise InvalidAccessToken()
    if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
        raise InvalidAccessToken()
    if isinstance(exp, bool) or not isinstance(exp, int | float):
        raise InvalidAccessToken()
    try:
        expires_at = datetime.fromtimestamp(int(exp), UTC)
    except (OverflowError, OSError, ValueError):
        raise InvalidAccessToken() from None
    return AccessClaims(
        subject=subject,
        roles=tuple(roles),
        token_id=token_id,
        expires_at=expires_at,
    )
