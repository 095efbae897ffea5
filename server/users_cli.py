"""`leeto users create-admin EMAIL`: the first administrator, without the API."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable
from datetime import UTC, datetime

from auth.emails import normalise_email, validate_email
from auth.passwords import validate_password
from auth.roles import Role
from datastore.client import open_client
from datastore.indexes import ensure_indexes
from datastore.user import (
    EmailAlreadyRegistered,
    add_role,
    find_user_by_email,
    insert_user,
    new_user_doc,
)
from server.security import cipher_from, passwords_from
from server.settings import Settings

DEFAULT_ADMIN_NAME = "Administrator"


class UsersCommandError(Exception):
    """Explained to the operator in one line."""


def admin_password(settings: Settings) -> str:
    """LEETO_ADMIN_PASSWORD, or typed twice at a terminal (never echoed)."""
    if settings.admin_password is not None:
        password = settings.admin_password.get_secret_value()
    elif sys.stdin.isatty():
        password = getpass.getpass("Password for the new administrator: ")
        if getpass.getpass("Again: ") != password:
            raise UsersCommandError("the passwords do not match")
    else:
        raise UsersCommandError("set LEETO_ADMIN_PASSWORD or run the command in a terminal")
    problem = validate_password(password)
    if problem is not None:
        raise UsersCommandError(problem)
    return password


async def create_admin(
    settings: Settings,
    email: str,
    *,
    display_name: str = DEFAULT_ADMIN_NAME,
    read_password: Callable[[Settings], str] = admin_password,
) -> str:
    """Create an administrator, or make an existing account one; returns what was done.

    The password is asked for only when an account is created: an existing
    user keeps theirs.
    """
    normalised = normalise_email(email)
    problem = validate_email(normalised)
    if problem is not None:
        raise UsersCommandError(problem)
    name = " ".join(display_name.split())
    if not name:
        raise UsersCommandError("the display name cannot be empty")
    client = open_client(settings.database_uri())
    cipher = cipher_from(settings, client)
    try:
        db = client[settings.database_name]
        await ensure_indexes(db)
        await cipher.ensure_ready()
        email_ciphertext = await cipher.encrypt_email(normalised)
        now = datetime.now(UTC)
        existing = await find_user_by_email(db, email_ciphertext)
        if existing is None:
            password_hash = await passwords_from(settings).hash(read_password(settings))
            user = new_user_doc(
                email=email_ciphertext,
                password_hash=password_hash,
                display_name=name,
                city="",
                roles=[Role.ADMIN.value],
                now=now,
            )
            try:
                await insert_user(db, user)
                return f"created administrator {normalised} (user {user['_id']})"
            except EmailAlreadyRegistered:
                existing = await find_user_by_email(db, email_ciphertext)
                if existing is None:
                    raise UsersCommandError("the account vanished while being created") from None
        await add_role(db, existing["_id"], Role.ADMIN.value, now=now)
        return f"granted ADMIN to existing user {normalised} (user {existing['_id']})"
    finally:
        await cipher.close()
        await client.close()
