"""Production refuses to start without the secrets it must not invent."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from auth.keys import generate_private_key_pem
from datastore.encryption import MasterKeyError, create_local_master_key
from server.app import create_app
from server.settings import Settings
from tests.cli import leeto_env, run_leeto


def test_production_refuses_to_start_without_a_master_key(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    settings = make_settings(
        "unused", env="production", data_dir=tmp_path, jwt_private_key=generate_private_key_pem()
    )
    with pytest.raises(MasterKeyError, match="no master key"):
        create_app(settings)
    assert not (tmp_path / "keys").exists() or not any((tmp_path / "keys").iterdir())
    create_local_master_key(settings.keys_dir)
    assert create_app(settings)


def test_development_creates_the_master_key_on_first_use(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    settings = make_settings("unused", env="development", data_dir=tmp_path)
    create_app(settings)
    key_files = list((tmp_path / "keys").glob("master-key-*.bin"))
    assert len(key_files) == 1
    assert key_files[0].stat().st_mode & 0o777 == 0o600
    assert len(key_files[0].read_bytes()) == 96


def test_leeto_serve_explains_a_missing_master_key(tmp_path: Path) -> None:
    key = tmp_path / "jwt.pem"
    key.write_text(generate_private_key_pem())
    env = leeto_env(
        LEETO_ENV="production",
        LEETO_DATA_DIR=str(tmp_path),
        LEETO_JWT_PRIVATE_KEY_FILE=str(key),
        MONGODB_URI="mongodb://127.0.0.1:1/leeto",
    )
    result = run_leeto("serve", env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert "no master key" in result.stderr
    assert "Traceback" not in result.stderr


def test_cloud_kms_needs_credentials_and_a_master_key(
    make_settings: Callable[..., Settings],
) -> None:
    with pytest.raises(ValueError, match="LEETO_KMS_CREDENTIALS"):
        make_settings("unused", kms_provider="aws")
    with pytest.raises(ValueError, match="JSON object"):
        make_settings("unused", kms_provider="aws", kms_credentials="[]", kms_master_key="{}")


@pytest.mark.parametrize(("memory", "passes"), [(8192, 3), (32768, 6), (65536, 2)])
def test_production_refuses_weak_password_hashing(
    make_settings: Callable[..., Settings], memory: int, passes: int
) -> None:
    with pytest.raises(ValueError, match="RFC 9106"):
        make_settings("unused", env="production", argon2_memory_kib=memory, argon2_time_cost=passes)
    stronger = make_settings(
        "unused", env="production", argon2_memory_kib=262144, argon2_time_cost=1
    )
    assert stronger.argon2_memory_kib == 262144
