"""Client-side field level encryption of personal data (explicit mode).

Values are encrypted by the application before they are written and decrypted
after they are read, with MongoDB's own format (BSON binary subtype 6) via
pymongo's ``AsyncClientEncryption``: no mongocryptd, no automatic encryption,
so it works on MongoDB Community and on the embedded engine alike.

Two data keys live in the key vault, one per purpose, found by keyAltName:

* ``leeto-email``: deterministic encryption, so an equality query and a unique
  index on the ciphertext work (log-in by e-mail, one account per address);
* ``leeto-personal``: randomised encryption for everything else (phone, ID
  number, date of birth), which leaks neither equality nor frequency.

Master keys are described in :mod:`datastore.encryption_keys`.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime
from typing import Any, Final, TypeVar

from bson.binary import STANDARD, Binary
from bson.codec_options import CodecOptions
from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.encryption import AsyncClientEncryption
from pymongo.encryption_shared import Algorithm  # re-exported as pymongo.encryption.Algorithm
from pymongo.errors import EncryptionError

from datastore.client import server_info
from datastore.encryption_keys import (
    MASTER_KEY_BYTES,
    KmsSettings,
    MasterKeyError,
    create_local_master_key,
    ensure_local_master_key,
    kms_providers,
    local_master_key_ids,
)

__all__ = [
    "DEFAULT_KEY_VAULT_NAMESPACE",
    "EMAIL_KEY_NAME",
    "MASTER_KEY_BYTES",
    "PERSONAL_KEY_NAME",
    "FieldCipher",
    "KmsSettings",
    "MasterKeyError",
    "create_local_master_key",
    "ensure_local_master_key",
    "kms_providers",
    "local_master_key_ids",
]

DEFAULT_KEY_VAULT_NAMESPACE: Final = "encryption.__keyVault"
EMAIL_KEY_NAME: Final = "leeto-email"
PERSONAL_KEY_NAME: Final = "leeto-personal"

_T = TypeVar("_T")

_DETERMINISTIC: Final = Algorithm.AEAD_AES_256_CBC_HMAC_SHA_512_Deterministic
_RANDOM: Final = Algorithm.AEAD_AES_256_CBC_HMAC_SHA_512_Random
_DUPLICATE_KEY: Final = 11000
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
# Decrypted dates come back timezone-aware (UTC), like the rest of our documents.
_CODEC_OPTIONS: Final[CodecOptions[dict[str, Any]]] = CodecOptions(
    tz_aware=True, tzinfo=UTC, uuid_representation=STANDARD
)
# Fields of a key document that key_status() reads; keyMaterial is never fetched.
_STATUS_FIELDS: Final = {
    "keyAltNames": 1,
    "masterKey": 1,  # provider and, for cloud KMS, the key's name: not secret
    "creationDate": 1,
    "updateDate": 1,
}


class FieldCipher:
    """Encrypts and decrypts personal data fields; one per process.

    The client is borrowed (the app owns and closes it); :meth:`close` only
    releases the encryption state. Encrypting needs the data keys, which
    :meth:`ensure_ready` finds or creates (it runs on first use if the app has
    not called it at start-up); decrypting needs only the key vault.
    """

    def __init__(
        self,
        client: AsyncMongoClient[Any],
        kms: KmsSettings,
        key_vault_namespace: str = DEFAULT_KEY_VAULT_NAMESPACE,
        *,
        key_cache_ms: int | None = None,
    ) -> None:
        db_name, _, coll_name = key_vault_namespace.partition(".")
        if not db_name or not coll_name:
            raise ValueError("key_vault_namespace must be '<database>.<collection>'")
        self._client = client
        self._kms = kms
        self._key_cache_ms = key_cache_ms
        self._namespace = key_vault_namespace
        self._providers = kms_providers(kms)
        self._key_vault: AsyncCollection[Any] = client[db_name].get_collection(
            coll_name, codec_options=_CODEC_OPTIONS
        )
        self._encryption = self._open(self._providers)
        self._email_key: Binary | None = None
        self._personal_key: Binary | None = None
        self._ready_lock = asyncio.Lock()
        self._reload_lock = asyncio.Lock()
        # Replaced states stay open until close(): operations may still be using them.
        self._retired: list[AsyncClientEncryption[Any]] = []

    def _open(self, providers: dict[str, Any]) -> AsyncClientEncryption[Any]:
        return AsyncClientEncryption(
            providers,
            self._namespace,
            self._client,
            _CODEC_OPTIONS,
            key_expiration_ms=self._key_cache_ms,
        )

    async def _reload_local_keys(self, failed: AsyncClientEncryption[Any]) -> bool:
        """Pick up local master keys created since start; True when worth retrying.

        `leeto keys rotate` re-wraps the data keys under a new local master key
        file. A running server still holds the old key set, and once its data
        key cache expires it could no longer unwrap them; reading the key files
        again lets it carry on without a restart.
        """
        if self._kms.provider != "local" or self._kms.data_dir is None:
            return False
        async with self._reload_lock:
            if self._encryption is not failed:
                return True  # another operation reloaded meanwhile
            newest = ensure_local_master_key(self._kms.data_dir, create=False)
            providers = kms_providers(newest)
            if set(providers) <= set(self._providers):
                return False
            self._retired.append(self._encryption)
            self._kms, self._providers = newest, providers
            self._encryption = self._open(providers)
            return True

    async def _run(self, operation: Callable[[AsyncClientEncryption[Any]], Awaitable[_T]]) -> _T:
        state = self._encryption
        try:
            return await operation(state)
        except EncryptionError:
            if not await self._reload_local_keys(state):
                raise
        return await operation(self._encryption)

    @property
    def kms(self) -> KmsSettings:
        """The master key that wraps newly created data keys."""
        return self._kms

    async def ensure_ready(self) -> None:
        """Create the key vault index and both data keys if missing; idempotent.

        Fails with :class:`MasterKeyError` when the configured master key cannot
        unwrap the existing data keys, so a misconfigured server stops at start.
        """
        async with self._ready_lock:
            if self._email_key is not None:
                return
            await self._ensure_key_vault_index()
            email_key = await self._find_or_create_key(EMAIL_KEY_NAME)
            personal_key = await self._find_or_create_key(PERSONAL_KEY_NAME)
            for name, key_id in ((EMAIL_KEY_NAME, email_key), (PERSONAL_KEY_NAME, personal_key)):
                try:  # unwraps (and caches) the data key with the master key
                    await self._encryption.encrypt("probe", _RANDOM, key_id=key_id)
                except EncryptionError as exc:
                    raise MasterKeyError(
                        f"data key {name!r} cannot be unwrapped with the configured master "
                        f"key(s) {sorted(self._providers)}: {exc}"
                    ) from exc
            self._email_key, self._personal_key = email_key, personal_key

    async def _ensure_key_vault_index(self) -> None:
        # Unique keyAltNames make key creation race-safe: of two processes creating
        # "leeto-email" at once, the second insert fails with a duplicate key error.
        # MongoDB's documented index is partial (keyAltNames: {$exists: true}), since
        # a plain unique index admits only one key *without* alt names; other tools
        # may add such keys to a shared vault, so we use the partial index there.
        # FerretDB rejects partial indexes, but it indexes a missing field as NULL
        # and allows many of them, so a plain unique index is equivalent there.
        # An existing unique index on keyAltNames (whatever its options) is accepted.
        async for index in await self._key_vault.list_indexes():
            if dict(index["key"]) == {"keyAltNames": 1} and index.get("unique"):
                return
        info = await server_info(self._client["admin"])
        options: dict[str, Any] = {}
        if info.supports_ttl_and_partial_indexes:
            options["partialFilterExpression"] = {"keyAltNames": {"$exists": True}}
        await self._key_vault.create_index("keyAltNames", unique=True, **options)

    async def _find_or_create_key(self, alt_name: str) -> Binary:
        existing = await self._encryption.get_key_by_alt_name(alt_name)
        if existing is not None:
            return _key_id(existing["_id"])
        try:
            return await self._encryption.create_data_key(
                self._kms.provider_name,
                master_key=self._kms.master_key_document(),
                key_alt_names=[alt_name],
            )
        except EncryptionError as exc:
            if getattr(exc.cause, "code", None) != _DUPLICATE_KEY:
                raise
        # Another process created it between our read and our insert: use theirs.
        existing = await self._encryption.get_key_by_alt_name(alt_name)
        if existing is None:
            raise RuntimeError(f"data key {alt_name!r} vanished while being created")
        return _key_id(existing["_id"])

    async def encrypt_email(self, normalised_email: str) -> Binary:
        """Deterministic: the same address always gives the same ciphertext.

        The caller normalises (trim, lower-case) first, or equality breaks.
        """
        if not isinstance(normalised_email, str) or not normalised_email:
            raise ValueError("email must be a non-empty string")
        await self.ensure_ready()
        assert self._email_key is not None
        key_id = self._email_key
        return await self._run(
            lambda state: state.encrypt(normalised_email, _DETERMINISTIC, key_id=key_id)
        )

    async def encrypt_private(self, value: str | datetime) -> Binary:
        """Randomised: equal values give different ciphertexts (not queryable)."""
        if isinstance(value, datetime):
            # BSON would read a naive datetime as UTC; refuse rather than guess.
            if value.tzinfo is None or value.utcoffset() is None:
                raise ValueError("datetime to encrypt must be timezone-aware")
        elif not isinstance(value, str):
            raise TypeError(f"cannot encrypt {type(value).__name__}; expected str or datetime")
        await self.ensure_ready()
        key_id = self._personal_key
        assert key_id is not None
        return await self._run(lambda state: state.encrypt(value, _RANDOM, key_id=key_id))

    async def decrypt(self, value: Binary) -> Any:
        """The original value (str, or datetime in UTC) of one ciphertext."""
        return await self._run(lambda state: state.decrypt(value))

    async def decrypt_many(self, values: Iterable[Binary | None]) -> list[Any]:
        """Decrypt a batch concurrently, in order; ``None`` stays ``None``.

        libmongocrypt caches unwrapped data keys, but concurrent decryptions of
        values whose key is not cached yet would each fetch it. So one value per
        distinct key goes first, and the rest then share the cached keys: one
        key-vault ``find`` per key not already cached, whatever the batch size.
        """
        items = list(values)
        results: list[Any] = [None] * len(items)
        first_per_key: dict[bytes, tuple[int, Binary]] = {}
        rest: list[tuple[int, Binary]] = []
        for i, value in enumerate(items):
            if value is None:
                continue
            # Subtype 6 layout: 1 byte blob type, then the 16-byte data key id.
            key = bytes(value[1:17])
            if key in first_per_key:
                rest.append((i, value))
            else:
                first_per_key[key] = (i, value)
        for batch in (list(first_per_key.values()), rest):
            plain = await asyncio.gather(*(self.decrypt(value) for _, value in batch))
            for (i, _), value in zip(batch, plain, strict=True):
                results[i] = value
        return results

    async def rotate_master_key(self, new: KmsSettings) -> int:
        """Rewrap every data key in the vault with ``new``; returns how many.

        The data keys themselves do not change, so every existing ciphertext
        still decrypts. This cipher keeps the old providers too and wraps future
        keys with ``new``. Other running processes need ``new`` in their
        configuration (for local keys: the new key file present when they start)
        before they can unwrap rewrapped keys, so create and distribute the new
        master key first, restart, then rotate.
        """
        providers = {**self._providers, **kms_providers(new)}
        rotator = self._open(providers)
        try:
            result = await rotator.rewrap_many_data_key(
                {}, provider=new.provider_name, master_key=new.master_key_document()
            )
        except BaseException:
            await rotator.close()
            raise
        previous, self._encryption = self._encryption, rotator
        self._kms, self._providers = new, providers
        await previous.close()
        bulk = result.bulk_write_result
        return 0 if bulk is None else bulk.modified_count

    async def key_status(self) -> list[dict[str, Any]]:
        """Every data key in the vault, without key material, oldest first."""
        status = [
            {
                "id": str(doc["_id"]),
                "keyAltNames": list(doc.get("keyAltNames", [])),
                "masterKeyProvider": doc.get("masterKey", {}).get("provider"),
                "creationDate": doc.get("creationDate"),
                "updateDate": doc.get("updateDate"),
            }
            async for doc in self._key_vault.find({}, _STATUS_FIELDS)
        ]
        # Sorted here: keys created in the same millisecond need a tie-breaker.
        status.sort(key=lambda s: (s["creationDate"] or _EPOCH, s["keyAltNames"]))
        return status

    async def close(self) -> None:
        """Release the encryption state (not the borrowed client)."""
        for state in [*self._retired, self._encryption]:
            await state.close()
        self._retired.clear()


def _key_id(value: Any) -> Binary:
    # The key vault read by AsyncClientEncryption decodes _id as a subtype 4 Binary.
    if isinstance(value, uuid.UUID):
        return Binary.from_uuid(value)
    if isinstance(value, Binary):
        return value
    raise TypeError(f"unexpected data key id type {type(value).__name__}")
