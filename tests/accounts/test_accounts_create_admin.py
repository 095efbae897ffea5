"""`leeto users create-admin EMAIL`: the first administrator."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from server.settings import Settings
from server.users_cli import UsersCommandError, admin_password, create_admin
from tests.accounts.accounts_helpers import PASSWORD, SET_ROLES, AccountsApp, unique_email
from tests.cli import leeto_env, run_leeto
from tests.graphql_client import gql


def _env(settings: Settings, data_dir: Path, **extra: str) -> dict[str, str]:
    return leeto_env(
        LEETO_ENV="test",
        LEETO_DATA_DIR=str(data_dir),
        MONGODB_URI=settings.database_uri(),
        LEETO_ARGON2_TIME_COST="1",
        LEETO_ARGON2_MEMORY_KIB="8192",
        LEETO_ARGON2_PARALLELISM="1",
        **extra,
    )


def test_create_admin_makes_an_administrator_who_can_log_in(
    accounts_app: AccountsApp, data_dir: Path
) -> None:
    email = unique_email("admin")
    env = _env(accounts_app.settings, data_dir, LEETO_ADMIN_PASSWORD=PASSWORD)
    result = run_leeto("users", "create-admin", email, "--name", "Head Admin", env=env)
    assert result.returncode == 0, result.stderr
    assert "created administrator" in result.stdout
    assert PASSWORD not in result.stdout + result.stderr

    admin = accounts_app.log_in(email)
    assert admin["__typename"] == "AuthPayload"
    assert admin["user"]["roles"] == ["ADMIN"]
    assert admin["user"]["displayName"] == "Head Admin"
    student = accounts_app.sign_up()["user"]["id"]
    body = gql(
        accounts_app.client,
        SET_ROLES,
        {"input": {"userId": student, "roles": ["INSTRUCTOR"]}},
        token=admin["accessToken"],
    )
    assert body["data"]["userSetRoles"]["user"]["roles"] == ["INSTRUCTOR"]


def test_without_a_password_or_terminal_it_says_what_to_do(
    accounts_app: AccountsApp, data_dir: Path
) -> None:
    env = _env(accounts_app.settings, data_dir)
    result = run_leeto("users", "create-admin", unique_email(), env=env)
    assert result.returncode == 1
    assert "LEETO_ADMIN_PASSWORD" in result.stderr
    assert "Traceback" not in result.stderr
    assert accounts_app.db.users.count_documents({}) == 0


async def test_an_existing_user_is_promoted_and_keeps_the_password(
    accounts_app: AccountsApp,
) -> None:
    email = unique_email()
    accounts_app.sign_up(email)

    def no_password(_settings: Settings) -> str:
        raise AssertionError("an existing user keeps their password")

    message = await create_admin(accounts_app.settings, email.upper(), read_password=no_password)
    assert message.startswith("granted ADMIN to existing user")
    (user,) = accounts_app.db.users.find()
    assert user["roles"] == ["STUDENT", "ADMIN"]
    assert accounts_app.log_in(email)["user"]["roles"] == ["STUDENT", "ADMIN"]


@pytest.mark.parametrize(("email", "password"), [("not-an-email", PASSWORD), (None, "short")])
async def test_bad_input_is_refused(
    make_settings: Callable[..., Settings], fresh_db_name: str, email: str | None, password: str
) -> None:
    settings = make_settings(fresh_db_name, admin_password=password)
    with pytest.raises(UsersCommandError):
        await create_admin(settings, email or unique_email(), read_password=admin_password)
