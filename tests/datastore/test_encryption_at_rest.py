"""After `leeto seed`: personal data is ciphertext at rest, and stays readable
through a master key rotation done with the CLI."""

from __future__ import annotations

import asyncio
import base64
import struct
import subprocess
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

import bson
import pytest
from bson import Binary
from pymongo import AsyncMongoClient, MongoClient

from auth.emails import normalise_email
from server.demo.build import DEMO_PASSWORD, build_demo
from server.security import cipher_from
from server.seed import seed_database
from server.settings import Settings
from tests.cli import leeto_env, run_leeto
from tests.own_keys import own_keys

PERSONAL_FIELDS = ("email", "phone", "nationalId", "dateOfBirth")


@pytest.fixture(scope="module")
def raw(seeded_settings: Settings) -> Iterator[MongoClient[dict[str, Any]]]:
    client: MongoClient[dict[str, Any]] = MongoClient(seeded_settings.database_uri())
    yield client
    client.close()


def test_every_personal_field_is_binary_subtype_6(
    raw: MongoClient[dict[str, Any]], seeded_settings: Settings
) -> None:
    users = list(raw[seeded_settings.database_name].users.find())
    assert len(users) == len(build_demo(42).users)
    for user in users:
        for field in PERSONAL_FIELDS:
            value = user[field]
            assert isinstance(value, Binary), (field, type(value))
            assert value.subtype == 6, field


def _plaintexts() -> list[tuple[str, bytes]]:
    found: list[tuple[str, bytes]] = []
    for user in build_demo(42).users:
        born = datetime.combine(user.date_of_birth, time(), tzinfo=UTC)
        millis = int(born.timestamp() * 1000)
        local_part = user.email.split("@")[0]
        if "." in local_part:  # "admin" or "student" are also role names, not leaks
            found.append(("email local part", local_part.encode()))
        found += [
            ("email", user.email.encode()),
            ("phone", user.phone.encode()),
            ("phone digits", user.phone[3:].encode()),
            ("national id", user.national_id.encode()),
            ("date of birth", struct.pack("<q", millis)),
            ("date of birth text", user.date_of_birth.isoformat().encode()),
        ]
    return found


def test_no_plaintext_personal_value_is_stored_anywhere(
    raw: MongoClient[dict[str, Any]], seeded_settings: Settings
) -> None:
    db = raw[seeded_settings.database_name]
    stored = b"".join(
        bson.encode(doc) for name in db.list_collection_names() for doc in db[name].find()
    )
    stored += b"".join(bson.encode(doc) for doc in raw.encryption["__keyVault"].find())
    assert len(stored) > 100_000
    leaks = [(what, value) for what, value in _plaintexts() if value in stored]
    assert leaks == []
    assert DEMO_PASSWORD.encode() not in stored


async def _decrypt_all(settings: Settings) -> list[dict[str, Any]]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(settings.database_uri())
    cipher = cipher_from(settings, client)
    try:
        users = await client[settings.database_name].users.find().to_list()
        out = []
        for user in users:
            values = await cipher.decrypt_many([user[f] for f in PERSONAL_FIELDS])
            out.append(dict(zip(PERSONAL_FIELDS, values, strict=True)))
        return out
    finally:
        await cipher.close()
        await client.close()


def _expected() -> list[dict[str, Any]]:
    return [
        {
            "email": normalise_email(u.email),
            "phone": u.phone,
            "nationalId": u.national_id,
            "dateOfBirth": datetime.combine(u.date_of_birth, time(), tzinfo=UTC),
        }
        for u in build_demo(42).users
    ]


def _by_email(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["email"]: row for row in rows}


def test_key_rotation_with_the_cli_keeps_every_record_readable(
    make_settings: Callable[..., Settings], fresh_db_name: str, tmp_path: Path
) -> None:
    # Rotation re-wraps every key in a vault: this test's own.
    settings = make_settings(fresh_db_name, **own_keys(fresh_db_name, tmp_path))
    asyncio.run(seed_database(settings, seed=42))
    before = asyncio.run(_decrypt_all(settings))
    assert _by_email(before) == _by_email(_expected())

    env = leeto_env(
        LEETO_ENV="test",
        MONGODB_URI=settings.database_uri(),
        LEETO_DATA_DIR=str(tmp_path),
        LEETO_KEY_VAULT_NAMESPACE=settings.key_vault_namespace,
    )

    def leeto(*args: str) -> subprocess.CompletedProcess[str]:
        return run_leeto(*args, env=env)

    vault_db, _, vault_coll = settings.key_vault_namespace.partition(".")
    with MongoClient(settings.database_uri()) as client:
        material_before = [k["keyMaterial"] for k in client[vault_db][vault_coll].find()]
    rotated = leeto("keys", "rotate")
    assert rotated.returncode == 0, rotated.stderr
    assert "re-wrapped 2 data key(s)" in rotated.stdout
    assert sorted(p.name for p in (tmp_path / "keys").iterdir()) == [
        "master-key-1.bin",
        "master-key-2.bin",
    ]
    with MongoClient(settings.database_uri()) as client:
        vault = list(client[vault_db][vault_coll].find())
    assert {k["masterKey"]["provider"] for k in vault} == {"local:2"}
    assert not {bytes(k["keyMaterial"]) for k in vault} & {bytes(m) for m in material_before}

    # Data written before the rotation still decrypts, now through the new master key only.
    (tmp_path / "keys" / "master-key-1.bin").unlink()
    after = asyncio.run(_decrypt_all(settings))
    assert _by_email(after) == _by_email(before)

    status = leeto("keys", "status")
    assert status.returncode == 0, status.stderr
    assert "leeto-email" in status.stdout
    assert "leeto-personal" in status.stdout
    for key in vault:
        material = bytes(key["keyMaterial"])
        assert material.hex() not in status.stdout
        assert base64.b64encode(material).decode() not in status.stdout
