"""Builds the security primitives from settings: password hasher and field cipher."""

from __future__ import annotations

import json

from auth.passwords import Passwords
from datastore.client import Client
from datastore.encryption import FieldCipher, KmsSettings, ensure_local_master_key
from server.settings import KmsProvider, Settings


def passwords_from(settings: Settings) -> Passwords:
    return Passwords(
        time_cost=settings.argon2_time_cost,
        memory_cost=settings.argon2_memory_kib,
        parallelism=settings.argon2_parallelism,
    )


def kms_from(settings: Settings, *, create_local: bool | None = None) -> KmsSettings:
    """The master key to use; a local one is created only in development (by default)."""
    if settings.kms_provider is KmsProvider.LOCAL:
        create = (not settings.is_production) if create_local is None else create_local
        return ensure_local_master_key(settings.keys_dir, create=create)
    assert settings.kms_credentials is not None
    assert settings.kms_master_key is not None
    return KmsSettings.cloud(
        settings.kms_provider.value,  # type: ignore[arg-type]
        json.loads(settings.kms_credentials.get_secret_value()),
        json.loads(settings.kms_master_key),
    )


def cipher_from(settings: Settings, client: Client, kms: KmsSettings | None = None) -> FieldCipher:
    return FieldCipher(
        client,
        kms or kms_from(settings),
        settings.key_vault_namespace,
        key_cache_ms=max(1, int(settings.key_cache_seconds * 1000)),
    )
