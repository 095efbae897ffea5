"""Account deletion: userDeleteAccount (the user) and userDelete (administrators)."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from bson import ObjectId
from strawberry.types import Info

from resolvers import account_deletion as resolve
from resolvers.context import Context
from resolvers.global_ids import to_global_id
from resolvers.outcomes import Refusal
from schema.mutation_errors import (
    InvalidCredentials,
    NotFound,
    RateLimited,
    ValidationError,
    mutation_error,
)
from schema.permissions import admin_only, login_required

_ERASED = (
    "Personal data is erased at once (e-mail, password, phone, ID number, date of birth, "
    "name, bio, city); every session ends and enrolments are cancelled. Reviews stay, "
    'shown as by "Deleted user". The e-mail address may sign up again.'
)


@strawberry.input(description="Confirm the deletion of your own account.")
class UserDeleteAccountInput:
    password: str = strawberry.field(description="Your current password.")


@strawberry.input(description="The account to delete (administrators only).")
class UserDeleteInput:
    user_id: strawberry.ID = strawberry.field(description="The user's global ID.")


@strawberry.type(description="The account was deleted.")
class UserDeleteAccountPayload:
    deleted_user_id: strawberry.ID = strawberry.field(
        description="The global ID the account had; it now reads as a deleted user."
    )


@strawberry.type(description="The account was deleted.")
class UserDeletePayload:
    deleted_user_id: strawberry.ID = strawberry.field(
        description="The global ID the account had; it now reads as a deleted user."
    )


UserDeleteAccountResult = Annotated[
    UserDeleteAccountPayload | InvalidCredentials | ValidationError | RateLimited,
    strawberry.union("UserDeleteAccountResult"),
]
UserDeleteResult = Annotated[
    UserDeletePayload | ValidationError | NotFound, strawberry.union("UserDeleteResult")
]


def _result(outcome: ObjectId | Refusal, payload: Any) -> Any:
    if isinstance(outcome, Refusal):
        return mutation_error(outcome)
    return payload(deleted_user_id=strawberry.ID(to_global_id("User", outcome)))


@strawberry.type(description="Account deletion.")
class AccountDeletionMutations:
    @strawberry.mutation(
        description="Delete the signed-in user's account, confirmed with the password. " + _ERASED,
        extensions=login_required(),
    )
    async def user_delete_account(
        self, info: Info[Context, None], input: UserDeleteAccountInput
    ) -> UserDeleteAccountResult:
        outcome = await resolve.delete_own_account(info.context, password=input.password)
        result: UserDeleteAccountResult = _result(outcome, UserDeleteAccountPayload)
        return result

    @strawberry.mutation(
        description="Delete another user's account (administrators only). " + _ERASED,
        extensions=admin_only(),
    )
    async def user_delete(
        self, info: Info[Context, None], input: UserDeleteInput
    ) -> UserDeleteResult:
        outcome = await resolve.delete_user(info.context, user_id=str(input.user_id))
        result: UserDeleteResult = _result(outcome, UserDeletePayload)
        return result
