"""Writes demo data: empties the database, then inserts, hashing and encrypting on the way."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, time
from typing import Any, Protocol

from auth.passwords import Passwords
from datastore import collections as names
from datastore.client import Database
from datastore.indexes import ensure_indexes
from server.demo.build import DEMO_PASSWORD, DemoData, DemoUser


class PersonalDataCipher(Protocol):
    async def encrypt_email(self, normalised_email: str) -> Any: ...

    async def encrypt_private(self, value: str | datetime) -> Any: ...


async def _hash(passwords: Passwords, reuse: str | None) -> str:
    return reuse if reuse is not None else await passwords.hash(DEMO_PASSWORD)


async def _secure_user(
    user: DemoUser,
    passwords: Passwords,
    cipher: PersonalDataCipher,
    reuse_hash: str | None = None,
) -> Any:
    born = datetime.combine(user.date_of_birth, time(), tzinfo=UTC)
    password_hash, email, phone, national_id, dob = await asyncio.gather(
        _hash(passwords, reuse_hash),
        cipher.encrypt_email(user.email),
        cipher.encrypt_private(user.phone),
        cipher.encrypt_private(user.national_id),
        cipher.encrypt_private(born),
    )
    return {
        **user.doc,
        "email": email,
        "passwordHash": password_hash,
        "phone": phone,
        "nationalId": national_id,
        "dateOfBirth": dob,
    }


async def write_demo(
    db: Database,
    data: DemoData,
    *,
    passwords: Passwords,
    cipher: PersonalDataCipher,
    copies: Sequence[DemoData] = (),
    hash_once: bool = False,
) -> Counter[str]:
    """Replace every Leeto collection's contents with the demo data (and its copies).

    Every demo account has the same password: copies reuse the first copy's
    hash rather than pay argon2 for thousands of students, and `hash_once`
    reuses one hash for the first copy too (the benchmark's quick seeding).
    """
    for name in names.ALL:
        await db.drop_collection(name)
    await ensure_indexes(db)
    created: Counter[str] = Counter()
    reuse_hash = await passwords.hash(DEMO_PASSWORD) if hash_once else None
    for part in (data, *copies):
        users = await asyncio.gather(
            *(_secure_user(u, passwords, cipher, reuse_hash) for u in part.users)
        )
        reuse_hash = users[0]["passwordHash"]
        await _insert(db, part, users, created)
    return created


async def _insert(db: Database, data: DemoData, users: list[Any], created: Counter[str]) -> None:
    batches: list[tuple[str, list[Any]]] = [
        (names.CAMPUSES, data.campuses),
        (names.USERS, users),
        (names.COURSES, data.courses),
        (names.SESSIONS, data.sessions),
        (names.ENROLLMENTS, data.enrollments),
        (names.SEAT_CLAIMS, data.seat_claims),
        (names.REVIEWS, data.reviews),
    ]
    for collection, docs in batches:
        if docs:
            await db[collection].insert_many(docs, ordered=True)
        created[collection] += len(docs)
    created["published courses"] += sum(1 for c in data.courses if c["published"])
    created["upcoming sessions"] += sum(
        1 for s in data.sessions if s["startsAt"] > datetime.now(UTC)
    )
    created.update(f"enrollments {status.lower()}" for status in data.statuses.values())
