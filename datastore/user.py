"""Stored user accounts: creation, look-up by encrypted e-mail, password and role updates."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from bson import Binary, ObjectId
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from datastore import collections as names
from datastore.client import Database

__all__ = [
    "EmailAlreadyRegistered",
    "add_role",
    "find_user_by_email",
    "find_user_by_id",
    "insert_user",
    "new_user_doc",
    "set_password_hash",
    "set_roles",
    "set_sessions_valid_after",
]


class EmailAlreadyRegistered(Exception):
    """The unique index on the encrypted e-mail refused a second account."""


def new_user_doc(
    *,
    email: Binary,
    password_hash: str,
    display_name: str,
    city: str,
    roles: Sequence[str],
    now: datetime,
) -> dict[str, Any]:
    """A new account; `email` is the deterministic ciphertext of the normalised address."""
    return {
        "_id": ObjectId(),
        "email": email,
        "passwordHash": password_hash,
        "roles": list(roles),
        "displayName": display_name,
        "bio": "",
        "city": city,
        "createdAt": now,
        "updatedAt": now,
    }


async def insert_user(db: Database, doc: dict[str, Any]) -> None:
    """Insert, letting the unique e-mail index decide races between two sign-ups."""
    try:
        await db[names.USERS].insert_one(doc)
    except DuplicateKeyError:
        raise EmailAlreadyRegistered() from None


async def find_user_by_email(db: Database, email: Binary) -> dict[str, Any] | None:
    return await db[names.USERS].find_one({"email": email})


async def find_user_by_id(db: Database, user_id: ObjectId) -> dict[str, Any] | None:
    return await db[names.USERS].find_one({"_id": user_id})


async def set_password_hash(
    db: Database,
    user_id: ObjectId,
    password_hash: str,
    *,
    now: datetime,
    replacing: str | None = None,
) -> bool:
    """Store a new hash; with `replacing`, only if the stored hash is still that one.

    The condition keeps a rehash-on-log-in from overwriting a password changed
    meanwhile (on engines where updates are atomic; elsewhere both writes hold
    a hash of a password the user knows, so the race is harmless).
    """
    query: dict[str, Any] = {"_id": user_id}
    if replacing is not None:
        query["passwordHash"] = replacing
    result = await db[names.USERS].update_one(
        query, {"$set": {"passwordHash": password_hash, "updatedAt": now}}
    )
    return result.matched_count == 1


async def set_sessions_valid_after(db: Database, user_id: ObjectId, moment: datetime) -> None:
    """Sessions (refresh families) the user began before `moment` stop working."""
    await db[names.USERS].update_one(
        {"_id": user_id}, {"$set": {"sessionsValidAfter": moment, "updatedAt": moment}}
    )


async def set_roles(
    db: Database, user_id: ObjectId, roles: Sequence[str], *, now: datetime
) -> dict[str, Any] | None:
    """Replace the user's roles; the updated document, or None if there is no such user."""
    return await db[names.USERS].find_one_and_update(
        {"_id": user_id},
        {"$set": {"roles": list(roles), "updatedAt": now}},
        return_document=ReturnDocument.AFTER,
    )


async def add_role(
    db: Database, user_id: ObjectId, role: str, *, now: datetime
) -> dict[str, Any] | None:
    return await db[names.USERS].find_one_and_update(
        {"_id": user_id},
        {"$addToSet": {"roles": role}, "$set": {"updatedAt": now}},
        return_document=ReturnDocument.AFTER,
    )


async def update_profile(
    db: Database, user_id: ObjectId, *, set_fields: dict[str, Any], unset_fields: list[str]
) -> dict[str, Any] | None:
    """Apply a profile change to one document and return the document as stored."""
    update: dict[str, Any] = {"$set": {**set_fields, "updatedAt": datetime.now(UTC)}}
    if unset_fields:
        update["$unset"] = dict.fromkeys(unset_fields, "")
    await db[names.USERS].update_one({"_id": user_id}, update)
    return await db[names.USERS].find_one({"_id": user_id})
