"""Client-side field level encryption against the real engine (or MONGODB_URI)."""

from __future__ import annotations

import asyncio
import stat
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from bson.binary import Binary
from pymongo import AsyncMongoClient, MongoClient
from pymongo.errors import DuplicateKeyError
from pymongo.monitoring import (
    CommandFailedEvent,
    CommandListener,
    CommandStartedEvent,
    CommandSucceededEvent,
)

from datastore.client import server_info
from datastore.encryption import (
    DEFAULT_KEY_VAULT_NAMESPACE,
    EMAIL_KEY_NAME,
    MASTER_KEY_BYTES,
    PERSONAL_KEY_NAME,
    FieldCipher,
    KmsSettings,
    MasterKeyError,
    create_local_master_key,
    ensure_local_master_key,
    kms_providers,
    local_master_key_ids,
)

KEY_VAULT = "__keyVault"
STATUS_FIELDS = {"id", "keyAltNames", "masterKeyProvider", "creationDate", "updateDate"}


class FindCounter(CommandListener):
    """Records the collections that ``find`` commands read."""

    def __init__(self) -> None:
        self.finds: list[str] = []

    def started(self, event: CommandStartedEvent) -> None:
        if event.command_name == "find":
            self.finds.append(str(event.command["find"]))

    def succeeded(self, event: CommandSucceededEvent) -> None:
        pass

    def failed(self, event: CommandFailedEvent) -> None:
        pass

    def key_vault_finds(self) -> int:
        return self.finds.count(KEY_VAULT)


@dataclass
class Harness:
    uri: str
    db_name: str
    key_dir: Path
    clients: list[AsyncMongoClient[dict[str, Any]]] = field(default_factory=list)
    ciphers: list[FieldCipher] = field(default_factory=list)

    @property
    def namespace(self) -> str:
        return f"{self.db_name}.{KEY_VAULT}"

    def client(self, *listeners: CommandListener) -> AsyncMongoClient[dict[str, Any]]:
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
            self.uri, tz_aware=True, event_listeners=list(listeners)
        )
        self.clients.append(client)
        return client

    def cipher(
        self,
        kms: KmsSettings | None = None,
        client: AsyncMongoClient[dict[str, Any]] | None = None,
    ) -> FieldCipher:
        kms = kms or ensure_local_master_key(self.key_dir, create=True)
        cipher = FieldCipher(client or self.client(), kms, key_vault_namespace=self.namespace)
        self.ciphers.append(cipher)
        return cipher

    async def key_docs(self) -> list[dict[str, Any]]:
        return await self.client()[self.db_name][KEY_VAULT].find().to_list()


@pytest.fixture
async def harness(mongo_uri: str, fresh_db_name: str, tmp_path: Path) -> AsyncIterator[Harness]:
    h = Harness(uri=mongo_uri, db_name=fresh_db_name, key_dir=tmp_path / "keys")
    try:
        yield h
    finally:
        for cipher in h.ciphers:
            await cipher.close()
        await h.client().drop_database(fresh_db_name)
        for client in h.clients:
            await client.close()


async def test_round_trip_of_email_text_and_dates(harness: Harness) -> None:
    cipher = harness.cipher()
    email = await cipher.encrypt_email("thandi@example.co.za")
    phone = await cipher.encrypt_private("+27821234567")
    born = datetime(1990, 1, 1, tzinfo=UTC)
    precise = datetime(2024, 5, 6, 7, 8, 9, 123000, tzinfo=timezone(timedelta(hours=2)))
    assert await cipher.decrypt(email) == "thandi@example.co.za"
    assert await cipher.decrypt(phone) == "+27821234567"
    decrypted = await cipher.decrypt(await cipher.encrypt_private(born))
    assert decrypted == born
    assert decrypted.tzinfo is not None
    assert await cipher.decrypt(await cipher.encrypt_private(precise)) == precise
    assert await cipher.decrypt(await cipher.encrypt_private("")) == ""
    assert await cipher.decrypt(await cipher.encrypt_private("Ñandú ✓")) == "Ñandú ✓"


async def test_naive_datetimes_and_other_types_are_refused(harness: Harness) -> None:
    cipher = harness.cipher()
    with pytest.raises(ValueError, match="timezone-aware"):
        await cipher.encrypt_private(datetime(1990, 1, 1))
    with pytest.raises(TypeError):
        await cipher.encrypt_private(42)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="non-empty"):
        await cipher.encrypt_email("")


async def test_deterministic_email_supports_equality_and_a_unique_index(
    harness: Harness,
) -> None:
    cipher = harness.cipher()
    first = await cipher.encrypt_email("sipho@example.com")
    second = await cipher.encrypt_email("sipho@example.com")
    other = await cipher.encrypt_email("sipho@example.org")
    assert first == second
    assert first != other

    users = harness.client()[harness.db_name]["users"]
    await users.create_index("email", unique=True)
    await users.insert_one({"email": first, "displayName": "Sipho"})
    assert (await users.find_one({"email": second}) or {})["displayName"] == "Sipho"
    with pytest.raises(DuplicateKeyError) as caught:
        await users.insert_one({"email": second, "displayName": "Impostor"})
    assert caught.value.code == 11000
    await users.insert_one({"email": other, "displayName": "Sipho at .org"})


async def test_random_encryption_gives_different_ciphertexts(harness: Harness) -> None:
    cipher = harness.cipher()
    values = [await cipher.encrypt_private("8001015009087") for _ in range(3)]
    assert len({bytes(v) for v in values}) == 3
    assert await cipher.decrypt_many(values) == ["8001015009087"] * 3
    # The two purposes use different data keys (bytes 1..16 of the ciphertext).
    email = await cipher.encrypt_email("a@example.com")
    assert bytes(email[1:17]) != bytes(values[0][1:17])
    assert email[0] == 1  # deterministic blob
    assert values[0][0] == 2  # random blob


async def test_stored_values_are_binary_subtype_6_for_plain_pymongo(harness: Harness) -> None:
    cipher = harness.cipher()
    doc = {
        "email": await cipher.encrypt_email("lerato@example.com"),
        "phone": await cipher.encrypt_private("+27831234567"),
        "dateOfBirth": await cipher.encrypt_private(datetime(2005, 6, 15, tzinfo=UTC)),
    }
    await harness.client()[harness.db_name]["users"].insert_one(doc)
    plain: MongoClient[dict[str, Any]]
    with MongoClient(harness.uri) as plain:
        stored = plain[harness.db_name]["users"].find_one()
    assert stored is not None
    for name in ("email", "phone", "dateOfBirth"):
        assert isinstance(stored[name], Binary)
        assert stored[name].subtype == 6
    assert b"lerato" not in bytes(stored["email"])
    assert b"27831234567" not in bytes(stored["phone"])


async def test_keys_are_found_by_alt_name_and_ensure_ready_is_idempotent(
    harness: Harness,
) -> None:
    cipher = harness.cipher()
    await cipher.ensure_ready()
    await cipher.ensure_ready()
    email = await cipher.encrypt_email("naledi@example.com")
    docs = await harness.key_docs()
    assert sorted(name for d in docs for name in d["keyAltNames"]) == [
        EMAIL_KEY_NAME,
        PERSONAL_KEY_NAME,
    ]

    later = harness.cipher()  # e.g. the next start of the server
    await later.ensure_ready()
    assert await later.encrypt_email("naledi@example.com") == email
    assert len(await harness.key_docs()) == 2

    indexes = await harness.client()[harness.db_name][KEY_VAULT].index_information()
    alt = [i for i in indexes.values() if i["key"] == [("keyAltNames", 1)]]
    assert len(alt) == 1
    assert alt[0]["unique"] is True
    info = await server_info(harness.client()["admin"])
    # Partial index on MongoDB (its documented form), plain on FerretDB (no partial indexes).
    assert ("partialFilterExpression" in alt[0]) is info.supports_ttl_and_partial_indexes


async def test_concurrent_ensure_ready_creates_exactly_one_key_per_name(
    harness: Harness,
) -> None:
    kms = ensure_local_master_key(harness.key_dir, create=True)
    ciphers = [harness.cipher(kms) for _ in range(4)]  # one client each, like 4 processes
    await asyncio.gather(*(c.ensure_ready() for c in ciphers))
    docs = await harness.key_docs()
    assert sorted(d["keyAltNames"][0] for d in docs) == [EMAIL_KEY_NAME, PERSONAL_KEY_NAME]
    emails = await asyncio.gather(*(c.encrypt_email("zanele@example.com") for c in ciphers))
    assert len({bytes(e) for e in emails}) == 1


async def test_losing_the_key_creation_race_uses_the_winners_key(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    winner = harness.cipher()
    await winner.ensure_ready()
    loser = harness.cipher()
    # The loser's first look-up happened before the winner's insert landed.
    encryption = loser._encryption
    real_lookup = encryption.get_key_by_alt_name
    stale: set[str] = set()

    async def lookup(alt_name: str) -> Any:
        if alt_name not in stale:
            stale.add(alt_name)
            return None
        return await real_lookup(alt_name)

    monkeypatch.setattr(encryption, "get_key_by_alt_name", lookup)
    await loser.ensure_ready()  # both inserts fail with duplicate key; both re-read
    assert stale == {EMAIL_KEY_NAME, PERSONAL_KEY_NAME}
    assert len(await harness.key_docs()) == 2
    assert await loser.encrypt_email("a@example.com") == await winner.encrypt_email("a@example.com")


async def test_decrypting_many_values_reads_each_key_once(harness: Harness) -> None:
    writer = harness.cipher()
    values = [await writer.encrypt_private(f"+2782{i:07d}") for i in range(50)]

    counter = FindCounter()
    reader = harness.cipher(client=harness.client(counter))  # cold key cache
    assert await reader.decrypt_many(values) == [f"+2782{i:07d}" for i in range(50)]
    assert counter.key_vault_finds() == 1

    counter.finds.clear()
    assert await reader.decrypt_many(values) == [f"+2782{i:07d}" for i in range(50)]
    assert counter.key_vault_finds() == 0  # still cached

    emails = [await writer.encrypt_email(f"user{i}@example.com") for i in range(20)]
    mixed: list[Binary | None] = [*emails, None, *values[:20]]
    fresh_counter = FindCounter()
    fresh = harness.cipher(client=harness.client(fresh_counter))
    plain = await fresh.decrypt_many(mixed)
    assert plain[:20] == [f"user{i}@example.com" for i in range(20)]
    assert plain[20] is None
    assert plain[21:] == [f"+2782{i:07d}" for i in range(20)]
    assert fresh_counter.key_vault_finds() <= 2  # one per distinct data key
    assert await fresh.decrypt_many([]) == []


async def test_master_key_rotation_keeps_every_value_decryptable(harness: Harness) -> None:
    old_kms = ensure_local_master_key(harness.key_dir, create=True)
    cipher = harness.cipher(old_kms)
    plain: list[Any] = ["x@example.com", "+27821234567", datetime(1990, 1, 1, tzinfo=UTC)]
    stored = [
        await cipher.encrypt_email(plain[0]),
        await cipher.encrypt_private(plain[1]),
        await cipher.encrypt_private(plain[2]),
    ]
    assert {s["masterKeyProvider"] for s in await cipher.key_status()} == {"local:1"}

    new_kms = create_local_master_key(harness.key_dir)
    assert new_kms.provider_name == "local:2"
    assert await cipher.rotate_master_key(new_kms) == 2
    status = await cipher.key_status()
    assert {s["masterKeyProvider"] for s in status} == {"local:2"}
    assert all(s["updateDate"] >= s["creationDate"] for s in status)
    assert await cipher.decrypt_many(stored) == plain
    assert cipher.kms == new_kms

    # A new process: the newest key file is chosen, and the old one is no longer needed.
    (harness.key_dir / "master-key-1.bin").unlink()
    restarted_kms = ensure_local_master_key(harness.key_dir, create=False)
    assert restarted_kms == new_kms
    restarted = harness.cipher(restarted_kms)
    await restarted.ensure_ready()
    assert await restarted.decrypt_many(stored) == plain
    assert await restarted.encrypt_email(plain[0]) == stored[0]  # same data key


async def test_wrong_master_key_stops_start_up(harness: Harness, tmp_path: Path) -> None:
    await harness.cipher().ensure_ready()
    stranger = ensure_local_master_key(tmp_path / "other-keys", create=True)
    with pytest.raises(MasterKeyError, match="cannot be unwrapped"):
        await harness.cipher(stranger).ensure_ready()


async def test_key_status_lists_keys_without_key_material(harness: Harness) -> None:
    cipher = harness.cipher()
    await cipher.ensure_ready()
    status = await cipher.key_status()
    assert sorted(s["keyAltNames"][0] for s in status) == [EMAIL_KEY_NAME, PERSONAL_KEY_NAME]
    docs = {str(d["_id"].as_uuid()): d for d in await harness.key_docs()}
    for entry in status:
        assert set(entry) == STATUS_FIELDS
        assert entry["id"] in docs  # the UUID in its canonical string form
        assert entry["masterKeyProvider"] == "local:1"
        assert isinstance(entry["creationDate"], datetime)
        material = bytes(docs[entry["id"]]["keyMaterial"])
        assert all(material not in repr(v).encode() for v in entry.values())
    assert "keyMaterial" not in repr(status)


def test_missing_master_key_refuses_to_start(tmp_path: Path) -> None:
    with pytest.raises(MasterKeyError, match="no master key found") as caught:
        ensure_local_master_key(tmp_path / "keys", create=False)
    assert str(tmp_path / "keys") in str(caught.value)
    assert not (tmp_path / "keys").exists()


def test_wrong_size_key_file_is_refused(tmp_path: Path) -> None:
    tmp_path.joinpath("master-key-1.bin").write_bytes(b"short")
    with pytest.raises(MasterKeyError, match="expected 96"):
        ensure_local_master_key(tmp_path, create=True)


def test_key_files_are_private_and_reused(tmp_path: Path) -> None:
    key_dir = tmp_path / "keys"
    kms = ensure_local_master_key(key_dir, create=True)
    path = key_dir / "master-key-1.bin"
    assert kms == KmsSettings.local(key_dir, "1")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_dir.stat().st_mode) == 0o700
    assert len(path.read_bytes()) == MASTER_KEY_BYTES
    assert ensure_local_master_key(key_dir, create=True) == kms  # loaded, not replaced
    assert ensure_local_master_key(key_dir, create=False) == kms

    newer = create_local_master_key(key_dir)
    assert newer.provider_name == "local:2"
    assert stat.S_IMODE((key_dir / "master-key-2.bin").stat().st_mode) == 0o600
    assert local_master_key_ids(key_dir) == ["1", "2"]
    assert sorted(kms_providers(newer)) == ["local:1", "local:2"]
    assert [p.name for p in key_dir.iterdir() if p.name.startswith(".")] == []
    assert ensure_local_master_key(key_dir, create=False) == newer


def test_cloud_kms_settings_map_to_pymongo_options() -> None:
    aws = KmsSettings.cloud(
        "aws",
        {"accessKeyId": "AKIAEXAMPLE", "secretAccessKey": "very-secret"},
        {"region": "af-south-1", "key": "arn:aws:kms:af-south-1:123:key/abc"},
    )
    assert kms_providers(aws) == {
        "aws": {"accessKeyId": "AKIAEXAMPLE", "secretAccessKey": "very-secret"}
    }
    assert aws.master_key_document() == {
        "region": "af-south-1",
        "key": "arn:aws:kms:af-south-1:123:key/abc",
    }
    assert "very-secret" not in repr(aws)

    azure = KmsSettings.cloud(
        "azure",
        {"tenantId": "t", "clientId": "c", "clientSecret": "s"},
        {"keyVaultEndpoint": "leeto.vault.azure.net", "keyName": "fields"},
        name="rotated_2025",
    )
    assert azure.provider_name == "azure:rotated_2025"
    assert list(kms_providers(azure)) == ["azure:rotated_2025"]

    gcp = KmsSettings.cloud(
        "gcp",
        {"email": "svc@leeto.iam.gserviceaccount.com", "privateKey": "AAAA"},
        {"projectId": "leeto", "location": "global", "keyRing": "r", "keyName": "k"},
    )
    assert kms_providers(gcp)["gcp"]["email"] == "svc@leeto.iam.gserviceaccount.com"


def test_invalid_kms_settings_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="need master_key"):
        KmsSettings.cloud("aws", {}, {})
    with pytest.raises(ValueError, match=r"\[A-Za-z0-9_\]"):
        KmsSettings.local(tmp_path, "not-valid")
    with pytest.raises(ValueError, match="need data_dir"):
        KmsSettings(provider="local")
    with pytest.raises(MasterKeyError, match="is missing"):
        kms_providers(KmsSettings.local(tmp_path, "7"))


def test_default_key_vault_namespace() -> None:
    assert DEFAULT_KEY_VAULT_NAMESPACE == "encryption.__keyVault"
