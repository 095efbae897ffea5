"""Account inputs, payloads and result unions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry

from resolvers.outcomes import LoggedOut, Refusal, SignedIn
from schema.enums import Role
from schema.mutation_errors import (
    EmailTaken,
    InvalidCredentials,
    InvalidToken,
    RateLimited,
    ValidationError,
    WeakPassword,
    mutation_error,
)
from schema.user import User


@strawberry.input(description="A new student account.")
class UserSignUpInput:
    email: str = strawberry.field(description="Trimmed and lower-cased before use.")
    password: str = strawberry.field(description="10 to 256 characters, any characters.")
    display_name: str = strawberry.field(description="The name others will see.")
    city: str = strawberry.field(default="", description="Where the user lives (optional).")


@strawberry.input(description="Credentials to log in with.")
class UserLogInInput:
    email: str = strawberry.field(description="Trimmed and lower-cased before use.")
    password: str = strawberry.field(description="Exactly as chosen.")


@strawberry.input(description="The refresh token to exchange for new tokens.")
class TokenRefreshInput:
    refresh_token: str = strawberry.field(description="The latest refresh token received.")


@strawberry.input(description="The session to end.")
class UserLogOutInput:
    refresh_token: str = strawberry.field(description="The refresh token of this session.")
    all_devices: bool = strawberry.field(
        default=False, description="End every session of the account, on every device."
    )


@strawberry.input(description="Replace the signed-in user's password.")
class UserChangePasswordInput:
    current_password: str = strawberry.field(description="The password in use now.")
    new_password: str = strawberry.field(description="10 to 256 characters, any characters.")


@strawberry.input(description="Replace a user's roles (administrators only).")
class UserSetRolesInput:
    user_id: strawberry.ID = strawberry.field(description="The user's global ID.")
    roles: list[Role] = strawberry.field(description="The complete new set of roles.")


@strawberry.type(
    description=(
        "Tokens for a signed-in user. Send the access token as `Authorization: Bearer …`; "
        "exchange the refresh token with `tokenRefresh` before the access token expires. "
        "Each refresh token works once."
    )
)
class AuthPayload:
    access_token: str = strawberry.field(description="A short-lived JWT.")
    access_token_expires_at: datetime = strawberry.field(description="When it stops working.")
    refresh_token: str = strawberry.field(description="Opaque; keep it secret, use it once.")
    refresh_token_expires_at: datetime = strawberry.field(
        description="When this session ends unless refreshed earlier (idle and absolute limits)."
    )
    user: User = strawberry.field(
        description="The signed-in user, whose personal data this payload may show."
    )

    @classmethod
    def from_outcome(cls, signed_in: SignedIn) -> AuthPayload:
        return cls(
            access_token=signed_in.access_token,
            access_token_expires_at=signed_in.access_token_expires_at,
            refresh_token=signed_in.refresh_token,
            refresh_token_expires_at=signed_in.refresh_token_expires_at,
            user=User.from_doc(signed_in.user, authenticated=True),
        )


@strawberry.type(description="The sessions were ended.")
class LogOutPayload:
    revoked_sessions: int = strawberry.field(
        description="How many sessions this ended (0 if they had already ended)."
    )


@strawberry.type(description="The user, with their new roles.")
class UserSetRolesPayload:
    user: User = strawberry.field(description="The user, as now stored.")


UserSignUpResult = Annotated[
    AuthPayload | EmailTaken | WeakPassword | ValidationError | RateLimited,
    strawberry.union("UserSignUpResult"),
]
UserLogInResult = Annotated[
    AuthPayload | InvalidCredentials | ValidationError | RateLimited,
    strawberry.union("UserLogInResult"),
]
TokenRefreshResult = Annotated[AuthPayload | InvalidToken, strawberry.union("TokenRefreshResult")]
UserLogOutResult = Annotated[LogOutPayload | InvalidToken, strawberry.union("UserLogOutResult")]
UserChangePasswordResult = Annotated[
    AuthPayload | InvalidCredentials | WeakPassword | ValidationError | RateLimited,
    strawberry.union("UserChangePasswordResult"),
]
UserSetRolesResult = Annotated[
    UserSetRolesPayload | ValidationError, strawberry.union("UserSetRolesResult")
]


# The helpers below answer Any: each result union is a different static type,
# and Strawberry checks the member against the field's union at run time.


def auth_result(outcome: SignedIn | Refusal) -> Any:
    if isinstance(outcome, Refusal):
        return mutation_error(outcome)
    return AuthPayload.from_outcome(outcome)


def log_out_result(outcome: LoggedOut | Refusal) -> Any:
    if isinstance(outcome, Refusal):
        return mutation_error(outcome)
    return LogOutPayload(revoked_sessions=outcome.revoked_sessions)


def set_roles_result(outcome: dict[str, Any] | Refusal) -> Any:
    if isinstance(outcome, Refusal):
        return mutation_error(outcome)
    return UserSetRolesPayload(user=User.from_doc(outcome))
