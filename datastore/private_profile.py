"""Decrypted personal data of users, batched: one decrypt_many per batch of users."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiodataloader import DataLoader
from bson import Binary, ObjectId

from datastore.batch_loader import BatchLoader
from datastore.encryption import FieldCipher
from datastore.loader_batches import report_batch

ENCRYPTED_FIELDS = ("email", "phone", "nationalId", "dateOfBirth")
_ENCRYPTED_SUBTYPE = 6  # BSON binary subtype of client-side encrypted values


def _ciphertext(doc: dict[str, Any] | None, field: str) -> Binary | None:
    """The field's ciphertext; None when absent or not encrypted (a deleted
    account's e-mail is a plain tombstone, see datastore.user.erase_user)."""
    value = doc.get(field) if doc else None
    if isinstance(value, Binary) and value.subtype == _ENCRYPTED_SUBTYPE:
        return value
    return None


@dataclass(frozen=True, slots=True)
class PrivateProfile:
    email: str | None
    phone: str | None
    national_id: str | None
    date_of_birth: datetime | None


class PrivateProfileByUserLoader(BatchLoader[ObjectId, PrivateProfile | None]):
    """Keys are user ids; documents come from a loader of the users' encrypted fields.

    All values of a batch go through one `decrypt_many`, which fetches each
    data key at most once, so a page of users costs one key lookup at most.
    """

    def __init__(self, users: DataLoader[Any, dict[str, Any] | None], cipher: FieldCipher) -> None:
        super().__init__()
        self.users = users
        self.cipher = cipher

    async def batch_load_fn(self, keys: list[ObjectId]) -> list[PrivateProfile | None]:
        report_batch(self, len(keys))
        docs = await self.users.load_many(keys)
        values = [_ciphertext(doc, field) for doc in docs for field in ENCRYPTED_FIELDS]
        plain = await self.cipher.decrypt_many(values)
        width = len(ENCRYPTED_FIELDS)
        profiles: list[PrivateProfile | None] = []
        for i, doc in enumerate(docs):
            if doc is None:
                profiles.append(None)
                continue
            email, phone, national_id, born = plain[i * width : (i + 1) * width]
            profiles.append(PrivateProfile(email, phone, national_id, born))
        return profiles
