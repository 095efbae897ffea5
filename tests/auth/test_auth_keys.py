from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from auth.keys import (
    DEV_KEY_FILENAME,
    KeyLoadError,
    KeySet,
    generate_dev_keypair,
    generate_private_key_pem,
    keyset_from_files,
    keyset_from_pem,
    load_private_key,
    load_public_key,
    public_key_pem,
    thumbprint,
)

posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_thumbprint_matches_rfc_8037_example() -> None:
    # RFC 8037 appendix A.2 / A.3.
    x = base64.urlsafe_b64decode("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo=")
    key = Ed25519PublicKey.from_public_bytes(x)
    assert thumbprint(key) == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


def test_keyset_from_pem_strings_and_bytes() -> None:
    private_pem = generate_private_key_pem()
    old_public = public_key_pem(Ed25519PrivateKey.generate())
    keys = keyset_from_pem(private_pem, [old_public.encode()])
    assert keys.signing_kid == thumbprint(load_private_key(private_pem).public_key())
    assert set(keys.verification_keys) == {
        keys.signing_kid,
        thumbprint(load_public_key(old_public)),
    }


def test_signing_key_is_always_trusted_and_duplicates_collapse() -> None:
    private = Ed25519PrivateKey.generate()
    keys = KeySet.create(private, [private.public_key(), private.public_key()])
    assert list(keys.verification_keys) == [keys.signing_kid]
    assert keys.public_key(keys.signing_kid) is not None
    assert keys.public_key("nope") is None


def test_keyset_is_read_only() -> None:
    keys = KeySet.create(Ed25519PrivateKey.generate())
    with pytest.raises(TypeError):
        keys.verification_keys["x"] = Ed25519PrivateKey.generate().public_key()  # type: ignore[index]


def test_mismatched_kid_is_refused() -> None:
    stray = Ed25519PrivateKey.generate().public_key()
    with pytest.raises(KeyLoadError):
        KeySet(Ed25519PrivateKey.generate(), {"made-up": stray})


def test_keyset_from_files(tmp_path: Path) -> None:
    private_path = tmp_path / "current.pem"
    public_path = tmp_path / "previous.pub.pem"
    private_path.write_text(generate_private_key_pem())
    public_path.write_text(public_key_pem(Ed25519PrivateKey.generate()))
    keys = keyset_from_files(private_path, [public_path])
    assert len(keys.verification_keys) == 2


def test_encrypted_private_key_with_password() -> None:
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"hunter2hunter2"),
    )
    assert isinstance(load_private_key(pem, b"hunter2hunter2"), Ed25519PrivateKey)
    with pytest.raises(KeyLoadError):
        load_private_key(pem)
    with pytest.raises(KeyLoadError):
        load_private_key(pem, b"wrong")


def test_non_ed25519_keys_are_refused() -> None:
    ec_key = ec.generate_private_key(ec.SECP256R1())
    private_pem = ec_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_pem = ec_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(KeyLoadError, match="not Ed25519"):
        load_private_key(private_pem)
    with pytest.raises(KeyLoadError, match="not Ed25519"):
        load_public_key(public_pem)


@pytest.mark.parametrize("junk", ["", "hello", "-----BEGIN PRIVATE KEY-----\nAAAA\n"])
def test_garbage_is_refused_without_echoing_it(junk: str) -> None:
    for loader in (load_private_key, load_public_key):
        with pytest.raises(KeyLoadError) as caught:
            loader(junk)
        assert not junk or junk not in str(caught.value)


def test_public_pem_in_private_slot_is_refused() -> None:
    with pytest.raises(KeyLoadError):
        load_private_key(public_key_pem(Ed25519PrivateKey.generate()))


@posix_only
def test_dev_keypair_is_created_private_and_reused(tmp_path: Path) -> None:
    directory = tmp_path / "state" / "keys"
    first = generate_dev_keypair(directory)
    key_file = directory / DEV_KEY_FILENAME
    assert mode(directory) == 0o700
    assert mode(key_file) == 0o600
    assert sorted(p.name for p in directory.iterdir()) == [DEV_KEY_FILENAME]

    second = generate_dev_keypair(directory)
    assert second.signing_kid == first.signing_kid
    assert second.signing_kid == thumbprint(load_private_key(key_file.read_bytes()).public_key())


@posix_only
def test_dev_keypair_refuses_a_readable_key_file(tmp_path: Path) -> None:
    generate_dev_keypair(tmp_path)
    (tmp_path / DEV_KEY_FILENAME).chmod(0o644)
    with pytest.raises(KeyLoadError, match="chmod 600"):
        generate_dev_keypair(tmp_path)


def test_dev_keypair_differs_per_directory(tmp_path: Path) -> None:
    a = generate_dev_keypair(tmp_path / "a")
    b = generate_dev_keypair(tmp_path / "b")
    assert a.signing_kid != b.signing_kid
