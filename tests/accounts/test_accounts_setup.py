"""Signing keys from settings: values, files, rotation, development keys, production refusal."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import ValidationError

from auth.keys import generate_private_key_pem, load_private_key, public_key_pem, thumbprint
from datastore.encryption import create_local_master_key
from server.app import create_app
from server.auth_setup import AuthSetupError, access_tokens_from, keyset_from
from server.settings import Settings
from tests.cli import leeto_env, run_leeto


def _kid(pem: str) -> str:
    return thumbprint(load_private_key(pem).public_key())


def _pem() -> str:
    return generate_private_key_pem()


def test_development_generates_a_key_once_and_keeps_it(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    settings = make_settings("unused", data_dir=tmp_path, env="development")
    first = keyset_from(settings)
    again = keyset_from(settings)
    assert first.signing_kid == again.signing_kid
    key_file = settings.keys_dir / "jwt-ed25519.pem"
    assert key_file.exists()
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"


def test_the_private_key_can_be_a_value_or_a_file(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    pem = generate_private_key_pem()
    from_value = keyset_from(make_settings("unused", jwt_private_key=pem))
    path = tmp_path / "signing.pem"
    path.write_text(pem)
    from_file = keyset_from(make_settings("unused", jwt_private_key_file=path))
    assert from_value.signing_kid == from_file.signing_kid == _kid(pem)


def test_extra_public_keys_are_trusted_for_verification(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    retired = [generate_private_key_pem() for _ in range(3)]
    public = [public_key_pem(load_private_key(pem)) for pem in retired]
    files = []
    for i, pem in enumerate(public[1:]):
        path = tmp_path / f"old-{i}.pem"
        path.write_text(pem)
        files.append(str(path))
    signing = generate_private_key_pem()
    settings = make_settings(
        "unused",
        jwt_private_key=signing,
        jwt_public_keys=public[0],
        jwt_public_key_files=",".join(files),
    )
    keys = keyset_from(settings)
    assert keys.signing_kid == _kid(signing)
    assert set(keys.verification_keys) == {_kid(pem) for pem in [signing, *retired]}

    # A token signed with a retired key verifies under the rotated configuration.
    old = access_tokens_from(make_settings("unused", jwt_private_key=retired[0]))
    token = old.issue("64b7f0c2a1b2c3d4e5f60718", ["STUDENT"]).token
    assert access_tokens_from(settings).verify(token).roles == ("STUDENT",)


def test_production_refuses_to_start_without_a_key(
    make_settings: Callable[..., Settings],
) -> None:
    settings = make_settings("unused", env="production")
    with pytest.raises(AuthSetupError, match="LEETO_JWT_PRIVATE_KEY"):
        create_app(settings)
    create_local_master_key(settings.keys_dir)  # production never creates one itself
    assert create_app(make_settings("unused", env="production", jwt_private_key=_pem()))


def test_leeto_serve_explains_a_missing_production_key(tmp_path: Path) -> None:
    env = leeto_env(
        LEETO_ENV="production",
        LEETO_DATA_DIR=str(tmp_path),
        MONGODB_URI="mongodb://127.0.0.1:1/leeto",
    )
    result = run_leeto("serve", env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert "LEETO_JWT_PRIVATE_KEY" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"jwt_private_key": "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----"},
            "PEM",
        ),
        ({"jwt_private_key_file": Path("/nonexistent/key.pem")}, "cannot read"),
        ({"jwt_public_keys": "not a pem at all"}, "LEETO_JWT_PUBLIC_KEYS"),
    ],
)
def test_unusable_keys_are_explained_without_key_material(
    make_settings: Callable[..., Settings], overrides: dict[str, object], message: str
) -> None:
    with pytest.raises(AuthSetupError, match=message) as caught:
        keyset_from(make_settings("unused", **overrides))
    assert "nope" not in str(caught.value)


def test_conflicting_key_settings_are_refused(make_settings: Callable[..., Settings]) -> None:
    with pytest.raises(ValidationError, match="not both"):
        make_settings("unused", jwt_private_key=_pem(), jwt_private_key_file=Path("k.pem"))
    with pytest.raises(ValidationError, match="IDLE_DAYS"):
        make_settings("unused", refresh_token_idle_days=31, refresh_token_ttl_days=30)


def test_token_lifetimes_follow_the_settings(make_settings: Callable[..., Settings]) -> None:
    tokens = access_tokens_from(make_settings("unused", access_token_ttl_seconds=120))
    issued = tokens.issue("64b7f0c2a1b2c3d4e5f60718", [])
    claims = tokens.verify(issued.token)
    assert claims.expires_at == issued.expires_at
    assert tokens.ttl.total_seconds() == 120
