"""`leeto seed`: demo data, with hashed passwords and encrypted personal data.

Seeding replaces every Leeto collection's contents, so on a database that
already holds data it happens only when asked for (`--force`); `--if-empty`
(what `make run` uses) keeps such a database as it is.
"""

from __future__ import annotations

import enum
from collections import Counter

from datastore import collections as names
from datastore.client import Database, open_client
from datastore.user import find_user_by_email
from server.demo.build import DEMO_ADMIN, DEMO_INSTRUCTOR, DEMO_PASSWORD, DEMO_STUDENT, build_demo
from server.demo.scale import MAX_SCALE, demo_copy
from server.demo.write import PersonalDataCipher, write_demo
from server.security import cipher_from, passwords_from
from server.settings import Settings

DEMO_ACCOUNTS = (("student", DEMO_STUDENT), ("instructor", DEMO_INSTRUCTOR), ("admin", DEMO_ADMIN))


class WhenNotEmpty(enum.Enum):
    """What seeding does to a database that already holds data."""

    REFUSE = "refuse"
    KEEP = "keep"
    WIPE = "wipe"


class DatabaseNotEmpty(Exception):
    """Seeding was refused: the database holds data and wiping it was not asked for."""


async def database_is_empty(db: Database) -> bool:
    """True when no Leeto collection holds a document (indexes alone do not count)."""
    for name in names.ALL:
        if await db[name].find_one({}, {"_id": 1}) is not None:
            return False
    return True


async def holds_demo_accounts(db: Database, cipher: PersonalDataCipher) -> bool:
    """True when every demo account the seed creates is there."""
    for _role, email in DEMO_ACCOUNTS:
        found = await find_user_by_email(db, await cipher.encrypt_email(email))
        if found is None:
            return False
    return True


async def seed_database(
    settings: Settings,
    *,
    seed: int = 42,
    when_not_empty: WhenNotEmpty = WhenNotEmpty.WIPE,
    scale: int = 1,
    hash_once: bool = False,
) -> Counter[str] | None:
    """Load the demo data (`scale` copies of it); None when a database holding data was kept.

    Raises DatabaseNotEmpty when it holds data and `when_not_empty` is REFUSE.
    """
    if not 1 <= scale <= MAX_SCALE:
        raise ValueError(f"scale must be from 1 to {MAX_SCALE}")
    client = open_client(settings.database_uri())
    cipher = cipher_from(settings, client)
    try:
        db = client[settings.database_name]
        if when_not_empty is not WhenNotEmpty.WIPE and not await database_is_empty(db):
            if when_not_empty is WhenNotEmpty.KEEP:
                return None
            raise DatabaseNotEmpty(settings.database_name)
        await cipher.ensure_ready()
        return await write_demo(
            db,
            build_demo(seed),
            passwords=passwords_from(settings),
            cipher=cipher,
            copies=[demo_copy(seed, number) for number in range(2, scale + 1)],
            hash_once=hash_once,
        )
    finally:
        await cipher.close()
        await client.close()


def demo_account_lines() -> list[str]:
    lines = [f"demo accounts (password for all: {DEMO_PASSWORD}):"]
    lines += [f"  {role:10s} {email}" for role, email in DEMO_ACCOUNTS]
    return lines


def print_report(settings: Settings, created: Counter[str]) -> None:
    print(f"seeded database {settings.database_name!r}:")
    for name, count in sorted(created.items()):
        print(f"  {count:6d}  {name}")
    print("\n".join(demo_account_lines()))
