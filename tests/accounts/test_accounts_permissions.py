"""Who may do what: userSetRoles for administrators, userChangePassword for the signed-in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from bson import ObjectId

from resolvers.global_ids import from_global_id, to_global_id
from tests.accounts.accounts_helpers import (
    CHANGE_PASSWORD,
    NEW_PASSWORD,
    PASSWORD,
    SET_ROLES,
    AccountsApp,
    error_code,
    unique_email,
)
from tests.graphql_client import gql


def _set_roles(app: AccountsApp, token: str | None, user_id: str, roles: list[str]) -> dict:
    return gql(app.client, SET_ROLES, {"input": {"userId": user_id, "roles": roles}}, token=token)


def _change_password(
    app: AccountsApp, token: str | None, current: str = PASSWORD, new: str = NEW_PASSWORD
) -> dict:
    variables = {"input": {"currentPassword": current, "newPassword": new}}
    return gql(app.client, CHANGE_PASSWORD, variables, token=token)


@pytest.fixture
def admin(accounts_app: AccountsApp) -> dict[str, Any]:
    """A signed-up user made administrator in the database (as `create-admin` would)."""
    signed_up = accounts_app.sign_up()
    accounts_app.db.users.update_one(
        {"_id": ObjectId(_object_id(signed_up["user"]["id"]))}, {"$set": {"roles": ["ADMIN"]}}
    )
    return signed_up


def _object_id(global_id: str) -> str:
    return str(from_global_id(global_id).id)


def test_set_roles_needs_a_signed_in_user(accounts_app: AccountsApp) -> None:
    target = accounts_app.sign_up()["user"]["id"]
    body = _set_roles(accounts_app, None, target, ["ADMIN"])
    assert body["data"] is None
    assert error_code(body) == "UNAUTHENTICATED"


def test_set_roles_is_forbidden_to_students(accounts_app: AccountsApp) -> None:
    student = accounts_app.sign_up()
    body = _set_roles(accounts_app, student["accessToken"], student["user"]["id"], ["ADMIN"])
    assert error_code(body) == "FORBIDDEN"
    assert body["errors"][0]["path"] == ["userSetRoles"]
    assert accounts_app.db.users.find_one()["roles"] == ["STUDENT"]


def test_an_admin_sets_roles(accounts_app: AccountsApp, admin: dict[str, Any]) -> None:
    target = accounts_app.sign_up()
    body = _set_roles(
        accounts_app, admin["accessToken"], target["user"]["id"], ["INSTRUCTOR", "STUDENT"]
    )
    result = body["data"]["userSetRoles"]
    assert result == {
        "__typename": "UserSetRolesPayload",
        "user": {"id": target["user"]["id"], "roles": ["STUDENT", "INSTRUCTOR"]},
    }
    stored = accounts_app.db.users.find_one({"_id": ObjectId(_object_id(target["user"]["id"]))})
    assert stored is not None
    assert stored["roles"] == ["STUDENT", "INSTRUCTOR"]


def test_admin_rights_follow_the_stored_roles_at_once(
    accounts_app: AccountsApp, admin: dict[str, Any]
) -> None:
    target = accounts_app.sign_up()["user"]["id"]
    token = admin["accessToken"]  # issued while the user was still a student
    assert _set_roles(accounts_app, token, target, ["INSTRUCTOR"])["data"]["userSetRoles"]
    accounts_app.db.users.update_one(
        {"_id": ObjectId(_object_id(admin["user"]["id"]))}, {"$set": {"roles": ["STUDENT"]}}
    )
    assert error_code(_set_roles(accounts_app, token, target, ["STUDENT"])) == "FORBIDDEN"


@pytest.mark.parametrize(
    ("target", "roles", "field"),
    [
        ("self", ["STUDENT"], "roles"),
        ("other", [], "roles"),
        ("not-an-id", ["STUDENT"], "userId"),
        ("missing", ["STUDENT"], "userId"),
        ("course", ["STUDENT"], "userId"),
    ],
)
def test_set_roles_refusals(
    accounts_app: AccountsApp,
    admin: dict[str, Any],
    target: str,
    roles: list[str],
    field: str,
) -> None:
    user_id = {
        "self": admin["user"]["id"],
        "other": accounts_app.sign_up()["user"]["id"],
        "not-an-id": "not-an-id",
        "missing": to_global_id("User", ObjectId()),
        "course": to_global_id("Course", ObjectId()),
    }[target]
    body = _set_roles(accounts_app, admin["accessToken"], user_id, roles)
    result = body["data"]["userSetRoles"]
    assert result["__typename"] == "ValidationError", result
    assert result["field"] == field


def test_change_password_needs_a_signed_in_user(accounts_app: AccountsApp) -> None:
    body = _change_password(accounts_app, None)
    assert body["data"] is None
    assert error_code(body) == "UNAUTHENTICATED"
    assert error_code(_change_password(accounts_app, "bad.token.here")) == "UNAUTHENTICATED"


def test_change_password_ends_every_other_session(accounts_app: AccountsApp) -> None:
    email = unique_email()
    here = accounts_app.sign_up(email)
    elsewhere = accounts_app.log_in(email)

    body = _change_password(accounts_app, here["accessToken"])
    changed = body["data"]["userChangePassword"]
    assert changed["__typename"] == "AuthPayload"

    for old in (here["refreshToken"], elsewhere["refreshToken"]):
        assert accounts_app.refresh(old)["__typename"] == "InvalidToken"
    assert accounts_app.refresh(changed["refreshToken"])["__typename"] == "AuthPayload"
    assert accounts_app.log_in(email, PASSWORD)["__typename"] == "InvalidCredentials"
    assert accounts_app.log_in(email, NEW_PASSWORD)["__typename"] == "AuthPayload"


@pytest.mark.parametrize(
    ("current", "new", "kind", "field"),
    [
        ("not my password", NEW_PASSWORD, "InvalidCredentials", None),
        (PASSWORD, "short", "WeakPassword", "newPassword"),
        (PASSWORD, PASSWORD, "ValidationError", "newPassword"),
        ("", NEW_PASSWORD, "ValidationError", "currentPassword"),
    ],
)
def test_change_password_refusals(
    accounts_app: AccountsApp, current: str, new: str, kind: str, field: str | None
) -> None:
    email = unique_email()
    token = accounts_app.sign_up(email)["accessToken"]
    result = _change_password(accounts_app, token, current, new)["data"]["userChangePassword"]
    assert result["__typename"] == kind
    if field is not None:
        assert result["field"] == field
    # Nothing changed.
    assert accounts_app.log_in(email, PASSWORD)["__typename"] == "AuthPayload"


def test_guessing_the_current_password_is_throttled(
    accounts_app_factory: Callable[..., AccountsApp],
) -> None:
    app = accounts_app_factory(login_free_failures=2)
    token = app.sign_up()["accessToken"]
    kinds = [
        _change_password(app, token, f"guess number {i}")["data"]["userChangePassword"]
        for i in range(3)
    ]
    assert [k["__typename"] for k in kinds] == [
        "InvalidCredentials",
        "InvalidCredentials",
        "RateLimited",
    ]
    # Even the right password waits its turn.
    right = _change_password(app, token)["data"]["userChangePassword"]
    assert right["__typename"] == "RateLimited"
    assert right["retryAfterSeconds"] >= 1


PRIVATE_OF = """query Private($id: ID!) { node(id: $id) { ... on User { email } } }"""


def _read_private(app: AccountsApp, token: str, user_id: str) -> dict[str, Any]:
    return gql(app.client, PRIVATE_OF, {"id": user_id}, token=token)


def test_a_promoted_admin_reads_personal_data_on_the_next_request_and_a_demoted_one_cannot(
    accounts_app: AccountsApp, admin: dict[str, Any]
) -> None:
    email = unique_email("target")
    target = accounts_app.sign_up(email)["user"]["id"]
    colleague = accounts_app.sign_up()
    token = colleague["accessToken"]  # issued while a student, and kept throughout
    assert error_code(_read_private(accounts_app, token, target)) == "FORBIDDEN"

    promoted = _set_roles(accounts_app, admin["accessToken"], colleague["user"]["id"], ["ADMIN"])
    assert promoted["data"]["userSetRoles"]["__typename"] == "UserSetRolesPayload"
    body = _read_private(accounts_app, token, target)
    assert "errors" not in body, body
    assert body["data"]["node"]["email"] == email
    # The same rule answers the admin-only mutation.
    assert "errors" not in _set_roles(accounts_app, token, target, ["STUDENT"])

    demoted = _set_roles(accounts_app, admin["accessToken"], colleague["user"]["id"], ["STUDENT"])
    assert demoted["data"]["userSetRoles"]["__typename"] == "UserSetRolesPayload"
    body = _read_private(accounts_app, token, target)
    assert error_code(body) == "FORBIDDEN"
    assert body["data"]["node"]["email"] is None
    assert error_code(_set_roles(accounts_app, token, target, ["STUDENT"])) == "FORBIDDEN"


OWN_DATA = "... on AuthPayload { refreshToken user { email phone } }"


def _own_data(app: AccountsApp, mutation: str, input_type: str, variables: dict) -> dict:
    query = f"""mutation Own($input: {input_type}!) {{
      {mutation}(input: $input) {{ __typename {OWN_DATA} ... on MutationError {{ code }} }} }}"""
    body = gql(app.client, query, {"input": variables["input"]}, token=variables.get("token"))
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"][mutation]
    assert result["__typename"] == "AuthPayload", result
    return result


def test_the_payload_that_signs_a_user_in_shows_their_own_personal_data(
    accounts_app: AccountsApp,
) -> None:
    email = unique_email("own")
    signed_up = _own_data(
        accounts_app,
        "userSignUp",
        "UserSignUpInput",
        {"input": {"email": email, "password": PASSWORD, "displayName": "Own Data"}},
    )
    assert signed_up["user"] == {"email": email, "phone": None}

    credentials = {"input": {"email": email, "password": PASSWORD}}
    logged_in = _own_data(accounts_app, "userLogIn", "UserLogInInput", credentials)
    assert logged_in["user"]["email"] == email

    refreshed = _own_data(
        accounts_app,
        "tokenRefresh",
        "TokenRefreshInput",
        {"input": {"refreshToken": logged_in["refreshToken"]}},
    )
    assert refreshed["user"]["email"] == email

    token = accounts_app.log_in(email)["accessToken"]
    changed = _own_data(
        accounts_app,
        "userChangePassword",
        "UserChangePasswordInput",
        {"input": {"currentPassword": PASSWORD, "newPassword": NEW_PASSWORD}, "token": token},
    )
    assert changed["user"]["email"] == email


def test_an_anonymous_request_still_cannot_read_anyone_elses_data(
    accounts_app: AccountsApp,
) -> None:
    target = accounts_app.sign_up()["user"]["id"]
    body = gql(accounts_app.client, PRIVATE_OF, {"id": target})
    assert error_code(body) == "FORBIDDEN"
