"""`leeto keys init|rotate|status`: the encryption master key and data keys."""

from __future__ import annotations

from datastore.client import open_client
from datastore.encryption import create_local_master_key
from server.security import cipher_from, kms_from
from server.settings import KmsProvider, Settings


async def keys_command(settings: Settings, action: str) -> None:
    from server.engine import database_available

    # `init` is how a local master key comes to exist, in production too.
    kms = kms_from(settings, create_local=True) if action == "init" else kms_from(settings)
    if action == "init" and settings.kms_provider is KmsProvider.LOCAL:
        print(f"local master key: {kms.provider_name} in {settings.keys_dir}")
    with database_available(settings):
        client = open_client(settings.database_uri())
        cipher = cipher_from(settings, client, kms)
        try:
            if action == "init":
                await cipher.ensure_ready()
                print("data keys ready")
            elif action == "rotate":
                # Cloud KMS: LEETO_KMS_MASTER_KEY names the new key; every data key
                # is re-wrapped under it (the old key must stay usable until then).
                new = (
                    create_local_master_key(settings.keys_dir)
                    if settings.kms_provider is KmsProvider.LOCAL
                    else kms
                )
                count = await cipher.rotate_master_key(new)
                print(f"re-wrapped {count} data key(s) under {new.provider_name}")
            for key in await cipher.key_status():
                print("  " + "  ".join(f"{k}={v}" for k, v in key.items()))
        finally:
            await cipher.close()
            await client.close()
