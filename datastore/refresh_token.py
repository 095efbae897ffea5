"""Stored refresh tokens: families, rotation guarded by a unique index, revocation.

Only the SHA-256 of a token is stored, as `_id`. Every token names the token
it replaced in `parentHash` (a family's first token names its family instead),
and `parentHash` is unique. Rotating a token therefore means inserting its
successor, and of two rotations of the same token only one insert can succeed:
an insert guarded by a unique index is atomic on MongoDB and on FerretDB,
whose updates and findAndModify are not.

Revoking a family inserts one record keyed by the family id, which every
refresh checks; no update has to reach every token of the family in time.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from datastore import collections as names
from datastore.client import Database

__all__ = [
    "StoredRefreshToken",
    "family_revoked",
    "find_refresh_token",
    "find_successor",
    "revoke_family",
    "revoke_user_families",
    "rotate_refresh_token",
    "start_family",
]

_ROOT_PREFIX: Final = "root:"


@dataclass(frozen=True, slots=True)
class StoredRefreshToken:
    token_hash: str
    family_id: ObjectId
    user_id: ObjectId
    issued_at: datetime  # when the family began, at log-in
    last_used_at: datetime  # when this token was issued, i.e. the family's last use
    expires_at: datetime

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> StoredRefreshToken:
        return cls(
            token_hash=doc["_id"],
            family_id=doc["familyId"],
            user_id=doc["userId"],
            issued_at=doc["issuedAt"],
            last_used_at=doc["lastUsedAt"],
            expires_at=doc["expiresAt"],
        )


def _doc(token: StoredRefreshToken, parent_hash: str) -> dict[str, Any]:
    return {
        "_id": token.token_hash,
        "parentHash": parent_hash,
        "familyId": token.family_id,
        "userId": token.user_id,
        "issuedAt": token.issued_at,
        "lastUsedAt": token.last_used_at,
        "expiresAt": token.expires_at,
    }


async def start_family(
    db: Database,
    *,
    token_hash: str,
    user_id: ObjectId,
    now: datetime,
    expires_at: datetime,
) -> StoredRefreshToken:
    """Store the first token of a new family (one per log-in)."""
    family_id = ObjectId()
    token = StoredRefreshToken(
        token_hash=token_hash,
        family_id=family_id,
        user_id=user_id,
        issued_at=now,
        last_used_at=now,
        expires_at=expires_at,
    )
    await db[names.REFRESH_TOKENS].insert_one(_doc(token, f"{_ROOT_PREFIX}{family_id}"))
    return token


async def find_refresh_token(db: Database, token_hash: str) -> StoredRefreshToken | None:
    doc = await db[names.REFRESH_TOKENS].find_one({"_id": token_hash})
    return None if doc is None else StoredRefreshToken.from_doc(doc)


async def rotate_refresh_token(
    db: Database,
    parent: StoredRefreshToken,
    *,
    token_hash: str,
    now: datetime,
    expires_at: datetime,
) -> StoredRefreshToken | None:
    """Store the successor of `parent`; None when `parent` was already rotated."""
    token = StoredRefreshToken(
        token_hash=token_hash,
        family_id=parent.family_id,
        user_id=parent.user_id,
        issued_at=parent.issued_at,
        last_used_at=now,
        expires_at=expires_at,
    )
    try:
        await db[names.REFRESH_TOKENS].insert_one(_doc(token, parent.token_hash))
    except DuplicateKeyError:
        return None
    return token


async def find_successor(db: Database, token_hash: str) -> StoredRefreshToken | None:
    """The token that replaced `token_hash`, if it was rotated."""
    doc = await db[names.REFRESH_TOKENS].find_one({"parentHash": token_hash})
    return None if doc is None else StoredRefreshToken.from_doc(doc)


async def family_revoked(db: Database, family_id: ObjectId) -> bool:
    found = await db[names.REVOKED_TOKEN_FAMILIES].find_one({"_id": family_id}, {"_id": 1})
    return found is not None


async def revoke_family(
    db: Database,
    family_id: ObjectId,
    user_id: ObjectId,
    *,
    now: datetime,
    keep_until: datetime,
) -> bool:
    """Record the family as revoked; False if it already was.

    `keep_until` must be no earlier than the family's last possible expiry, so
    the record never disappears while one of its tokens could still be used.
    """
    try:
        await db[names.REVOKED_TOKEN_FAMILIES].insert_one(
            {"_id": family_id, "userId": user_id, "revokedAt": now, "expiresAt": keep_until}
        )
    except DuplicateKeyError:
        return False
    return True


async def revoke_user_families(
    db: Database, user_id: ObjectId, *, now: datetime, keep_until: datetime
) -> int:
    """Revoke every family of the user that could still refresh; how many were newly revoked."""
    family_ids = await db[names.REFRESH_TOKENS].distinct(
        "familyId", {"userId": user_id, "expiresAt": {"$gt": now}}
    )
    revoked = await asyncio.gather(
        *(
            revoke_family(db, family_id, user_id, now=now, keep_until=keep_until)
            for family_id in family_ids
        )
    )
    return sum(revoked)
