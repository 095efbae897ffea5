"""A master key and key vault of a test's own."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def own_keys(db_name: str, data_dir: Path) -> dict[str, Any]:
    """Settings for a master key and key vault of the test's own.

    Data keys in the shared vault are wrapped by the run's master key, so a test
    that makes or rotates master keys needs a vault nobody else reads.
    """
    return {"data_dir": data_dir, "key_vault_namespace": f"{db_name}_keys.__keyVault"}
