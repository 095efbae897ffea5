"""`leeto seed`: demo data, with hashed passwords and encrypted personal data."""

from __future__ import annotations

from collections import Counter

from datastore.client import open_client
from server.demo.build import DEMO_ADMIN, DEMO_INSTRUCTOR, DEMO_PASSWORD, DEMO_STUDENT, build_demo
from server.demo.write import write_demo
from server.security import cipher_from, passwords_from
from server.settings import Settings


async def seed_database(settings: Settings, *, seed: int = 42) -> Counter[str]:
    client = open_client(settings.database_uri())
    cipher = cipher_from(settings, client)
    try:
        await cipher.ensure_ready()
        return await write_demo(
            client[settings.database_name],
            build_demo(seed),
            passwords=passwords_from(settings),
            cipher=cipher,
        )
    finally:
        await cipher.close()
        await client.close()


def print_report(settings: Settings, created: Counter[str]) -> None:
    print(f"seeded database {settings.database_name!r}:")
    for name, count in sorted(created.items()):
        print(f"  {count:6d}  {name}")
    print("demo accounts (password for all: " + DEMO_PASSWORD + "):")
    for role, email in (("student", DEMO_STUDENT), ("instructor", DEMO_INSTRUCTOR)):
        print(f"  {role:10s} {email}")
    print(f"  {'admin':10s} {DEMO_ADMIN}")
