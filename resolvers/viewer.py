"""Who is asking: the access token a request presented, verified once, on first use."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from bson import ObjectId
from bson.errors import InvalidId

from auth.tokens import AccessTokens, InvalidAccessToken
from resolvers.errors import Unauthenticated

__all__ = [
    "TOKEN_EXPIRED",
    "TOKEN_INVALID",
    "Credentials",
    "Viewer",
    "authorization_from_params",
    "token_refusal",
]

_SCHEME: Final = "bearer"
# `extensions.reason` of a refused token: an expired one can be refreshed, an
# invalid one cannot (the client must log in again).
TOKEN_EXPIRED: Final = "TOKEN_EXPIRED"  # noqa: S105 - a reason code, not a secret
TOKEN_INVALID: Final = "TOKEN_INVALID"  # noqa: S105 - a reason code, not a secret
_NOT_CHECKED: Final = object()


@dataclass(frozen=True, slots=True)
class Viewer:
    """The signed-in user as the access token names them.

    The token's roles claim is for clients and decides nothing here: every rule
    reads the roles as stored now (`resolvers.authorization`), so a demotion
    counts before the token expires.
    """

    user_id: ObjectId
    token_id: str
    # When the token stops being accepted (before the verifier's leeway): a
    # subscription re-checks it then.
    expires_at: datetime | None = None


class Credentials:
    """The `Authorization` value of one request or WebSocket connection.

    Verifying is cheap but not free, so it happens when something first asks
    for the viewer, and the answer (or the refusal) is kept for the rest of the
    request. A token that is present but invalid or expired is an error, never
    an anonymous request: the client must learn its token is no good.
    """

    def __init__(self, authorization: str | None, tokens: AccessTokens | None) -> None:
        self._authorization = (authorization or "").strip()
        self._tokens = tokens
        self._result: Any = _NOT_CHECKED

    def renewed(self) -> Credentials:
        """The same Authorization, not yet verified: for the next operation."""
        return Credentials(self._authorization or None, self._tokens)

    @classmethod
    def anonymous(cls) -> Credentials:
        return cls(None, None)

    @property
    def presented(self) -> bool:
        """True when the client sent an Authorization value at all."""
        return bool(self._authorization)

    def viewer(self) -> Viewer | None:
        """The verified viewer, None when no token was sent; raises Unauthenticated."""
        if self._result is _NOT_CHECKED:
            try:
                self._result = self._verify()
            except Unauthenticated as exc:
                self._result = exc
        if isinstance(self._result, Unauthenticated):
            # A fresh copy each time: GraphQL errors get a path per field.
            raise Unauthenticated(self._result.message, reason=token_refusal(self._result))
        result: Viewer | None = self._result
        return result

    def _verify(self) -> Viewer | None:
        if not self._authorization:
            return None
        scheme, _, token = self._authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != _SCHEME or not token:
            raise _invalid("Send the access token as `Authorization: Bearer <token>`.")
        if self._tokens is None:
            raise _invalid("Access tokens are not accepted here.")
        try:
            claims = self._tokens.verify(token)
        except InvalidAccessToken as exc:
            if exc.expired:
                raise Unauthenticated(
                    "The access token has expired; refresh it.", reason=TOKEN_EXPIRED
                ) from None
            raise _invalid("The access token is not valid.") from None
        try:
            user_id = ObjectId(claims.subject)
        except (InvalidId, TypeError):
            raise _invalid("The access token is not valid.") from None
        return Viewer(user_id=user_id, token_id=claims.token_id, expires_at=claims.expires_at)


def _invalid(message: str) -> Unauthenticated:
    return Unauthenticated(message, reason=TOKEN_INVALID)


def token_refusal(error: Unauthenticated) -> str:
    """Why a presented token was refused: TOKEN_EXPIRED or TOKEN_INVALID."""
    reason = (error.extensions or {}).get("reason")
    return reason if isinstance(reason, str) else TOKEN_INVALID


def authorization_from_params(params: Mapping[str, Any] | None) -> str | None:
    """The Authorization value a WebSocket client sent in its connection_init payload."""
    if not params:
        return None
    for key in ("Authorization", "authorization"):
        value = params.get(key)
        if isinstance(value, str):
            return value
    return None
