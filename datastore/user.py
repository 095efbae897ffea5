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
    "DELETED_DISPLAY_NAME",
    "PUBLIC_USER_FIELDS",
    "EmailAlreadyRegistered",
    "add_role",
    "email_tombstone",
    "erase_user",
    "find_user_by_email",
    "find_user_by_id",
    "insert_user",
    "new_user_doc",
    "set_password_hash",
    "set_roles",
    "set_sessions_valid_after",
]


DELETED_DISPLAY_NAME = "Deleted user"
# What a deleted account keeps: who it was in the data of others (reviews, class
# lists) without anything that tells who the person was.
PERSONAL_FIELDS = ("passwordHash", "phone", "nationalId", "dateOfBirth")
# What reading an account for others (names, roles, whether it was deleted)
# fetches: never the password hash or the encrypted fields, which only log-in
# and the reader of personal data ask for.
PUBLIC_USER_FIELDS: dict[str, Any] = dict.fromkeys(
    ("displayName", "bio", "city", "roles", "createdAt", "updatedAt", "deletedAt"), 1
)


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
    """Apply a profile change to one document and return the document as stored;
    None when there is no such account, or it was deleted."""
    update: dict[str, Any] = {"$set": {**set_fields, "updatedAt": datetime.now(UTC)}}
    if unset_fields:
        update["$unset"] = dict.fromkeys(unset_fields, "")
    live = {"_id": user_id, "deletedAt": {"$exists": False}}
    result = await db[names.USERS].update_one(live, update)
    if result.matched_count == 0:
        return None
    return await db[names.USERS].find_one({"_id": user_id}, PUBLIC_USER_FIELDS)


def email_tombstone(user_id: ObjectId) -> str:
    """What a deleted account holds in place of its e-mail ciphertext.

    Removing the field would be enough on FerretDB, whose unique index lets any
    number of documents lack it, but MongoDB indexes a missing field as null,
    so a second deleted account would collide with the first (unless the index
    were partial, which FerretDB refuses). A value unique per account, of
    another type than any ciphertext (a string, never BSON binary), keeps the
    index on both engines without ever matching a real address: the same
    e-mail can sign up again at once.
    """
    return f"deleted:{user_id}"


def _erased(doc: dict[str, Any], user_id: ObjectId) -> bool:
    return (
        doc.get("email") == email_tombstone(user_id)
        and not any(field in doc for field in PERSONAL_FIELDS)
        and doc.get("displayName") == DELETED_DISPLAY_NAME
        and not doc.get("bio")
        and not doc.get("city")
    )


async def erase_user(
    db: Database, user_id: ObjectId, *, now: datetime, sessions_valid_after: datetime
) -> dict[str, Any] | None:
    """Erase a user's personal data, keeping the document (others' data names it).

    The e-mail becomes a tombstone, the password hash and encrypted personal
    data go, the name becomes "Deleted user", bio and city are emptied, roles
    are removed; `deletedAt` marks the account. Returns the document as now
    stored, or None when there is no such user.

    FerretDB's updates read, then write the whole document: a profile change
    that read the account just before could write its old fields back. The
    erasure is therefore read back and repeated until it holds.
    """
    erase: dict[str, Any] = {
        "$set": {
            "email": email_tombstone(user_id),
            "displayName": DELETED_DISPLAY_NAME,
            "bio": "",
            "city": "",
            "roles": [],
            "deletedAt": now,
            "sessionsValidAfter": sessions_valid_after,
            "updatedAt": now,
        },
        "$unset": dict.fromkeys(PERSONAL_FIELDS, ""),
    }
    users = db[names.USERS]
    for _ in range(5):
        result = await users.update_one({"_id": user_id}, erase)
        if result.matched_count == 0:
            return None
        doc = await users.find_one({"_id": user_id})
        if doc is None:
            return None
        if _erased(doc, user_id):
            return doc
        erase["$set"]["deletedAt"] = doc.get("deletedAt", now)
    raise RuntimeError("the account kept changing while it was being erased")
