"""The root Mutation type."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from resolvers import account
from resolvers import profile as resolve_profile
from resolvers.context import Context
from schema.account import (
    TokenRefreshInput,
    TokenRefreshResult,
    UserChangePasswordInput,
    UserChangePasswordResult,
    UserLogInInput,
    UserLogInResult,
    UserLogOutInput,
    UserLogOutResult,
    UserSetRolesInput,
    UserSetRolesResult,
    UserSignUpInput,
    UserSignUpResult,
    auth_result,
    log_out_result,
    set_roles_result,
)
from schema.account_deletion import AccountDeletionMutations
from schema.course_mutations import CourseMutations
from schema.enrollment_mutations import EnrollmentMutations
from schema.permissions import admin_only, login_required
from schema.profile import UserUpdateProfileInput, UserUpdateProfileResult, update_profile_result
from schema.review_mutations import ReviewMutations
from schema.session_mutations import SessionMutations


# Each area's mutations may live in a module of its own, composed here.
@strawberry.type(description="Change things.")
class Mutation(
    CourseMutations,
    SessionMutations,
    EnrollmentMutations,
    ReviewMutations,
    AccountDeletionMutations,
):
    @strawberry.mutation(description="Create a student account and log in.")
    async def user_sign_up(
        self, info: Info[Context, None], input: UserSignUpInput
    ) -> UserSignUpResult:
        outcome = await account.sign_up(
            info.context,
            email=input.email,
            password=input.password,
            display_name=input.display_name,
            city=input.city,
        )
        result: UserSignUpResult = auth_result(outcome)
        return result

    @strawberry.mutation(
        description=(
            "Log in with email and password. Repeated failures are answered with "
            "`RateLimited` for a while, whether or not the account exists."
        )
    )
    async def user_log_in(
        self, info: Info[Context, None], input: UserLogInInput
    ) -> UserLogInResult:
        outcome = await account.log_in(info.context, email=input.email, password=input.password)
        result: UserLogInResult = auth_result(outcome)
        return result

    @strawberry.mutation(
        description=(
            "Exchange a refresh token for new tokens. The old refresh token stops working; "
            "presenting it again ends the session on every device that shares it."
        )
    )
    async def token_refresh(
        self, info: Info[Context, None], input: TokenRefreshInput
    ) -> TokenRefreshResult:
        outcome = await account.refresh(info.context, refresh_token=input.refresh_token)
        result: TokenRefreshResult = auth_result(outcome)
        return result

    @strawberry.mutation(description="End this session, or with `allDevices` every session.")
    async def user_log_out(
        self, info: Info[Context, None], input: UserLogOutInput
    ) -> UserLogOutResult:
        outcome = await account.log_out(
            info.context, refresh_token=input.refresh_token, all_devices=input.all_devices
        )
        result: UserLogOutResult = log_out_result(outcome)
        return result

    @strawberry.mutation(
        description=(
            "Change the signed-in user's password. Every other session ends; "
            "the new tokens returned continue this one."
        ),
        extensions=login_required(),
    )
    async def user_change_password(
        self, info: Info[Context, None], input: UserChangePasswordInput
    ) -> UserChangePasswordResult:
        outcome = await account.change_password(
            info.context,
            current_password=input.current_password,
            new_password=input.new_password,
        )
        result: UserChangePasswordResult = auth_result(outcome)
        return result

    @strawberry.mutation(
        description="Replace a user's roles (administrators only).", extensions=admin_only()
    )
    async def user_set_roles(
        self, info: Info[Context, None], input: UserSetRolesInput
    ) -> UserSetRolesResult:
        outcome = await account.set_user_roles(
            info.context, user_id=input.user_id, roles=[role.value for role in input.roles]
        )
        result: UserSetRolesResult = set_roles_result(outcome)
        return result

    @strawberry.mutation(
        description=(
            "Change the signed-in user's profile and personal data; only the fields given "
            "change. Personal data is encrypted before it is stored."
        ),
        extensions=login_required(),
    )
    async def user_update_profile(
        self, info: Info[Context, None], input: UserUpdateProfileInput
    ) -> UserUpdateProfileResult:
        changes = input.to_changes()
        if isinstance(changes, resolve_profile.ProfileChanges):
            outcome = await resolve_profile.update_profile(info.context, changes)
        else:
            outcome = changes
        result: UserUpdateProfileResult = update_profile_result(outcome)
        return result
