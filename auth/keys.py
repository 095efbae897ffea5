"""Ed25519 signing keys: loading, key ids, rotation sets and a dev key on disk."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import stat
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

__all__ = [
    "DEV_KEY_FILENAME",
    "KeyLoadError",
    "KeySet",
    "generate_dev_keypair",
    "generate_private_key_pem",
    "keyset_from_files",
    "keyset_from_pem",
    "load_private_key",
    "load_public_key",
    "public_key_pem",
    "read_private_key",
    "read_public_key",
    "thumbprint",
]

DEV_KEY_FILENAME: Final = "jwt-ed25519.pem"


class KeyLoadError(ValueError):
    """A key could not be used; the message never contains key material."""


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def thumbprint(key: Ed25519PublicKey) -> str:
    """RFC 7638 JWK thumbprint (SHA-256, base64url): a kid that needs no bookkeeping."""
    canonical = json.dumps(
        {"crv": "Ed25519", "kty": "OKP", "x": _b64url(_raw_public(key))},
        separators=(",", ":"),
        sort_keys=True,
    )
    return _b64url(hashlib.sha256(canonical.encode("ascii")).digest())


@dataclass(frozen=True, eq=False)
class KeySet:
    """One key that signs, plus every public key still trusted for verification.

    Rotation: sign with the new key and keep the old public key here until the
    last token it signed has expired.
    """

    signing_key: Ed25519PrivateKey
    verification_keys: Mapping[str, Ed25519PublicKey]
    signing_kid: str = field(init=False)

    def __post_init__(self) -> None:
        kid = thumbprint(self.signing_key.public_key())
        keys = dict(self.verification_keys)
        for known_kid, public in keys.items():
            if thumbprint(public) != known_kid:
                raise KeyLoadError("verification key id does not match its key")
        keys[kid] = self.signing_key.public_key()
        object.__setattr__(self, "signing_kid", kid)
        object.__setattr__(self, "verification_keys", MappingProxyType(keys))

    @classmethod
    def create(
        cls,
        signing_key: Ed25519PrivateKey,
        extra_public_keys: Iterable[Ed25519PublicKey] = (),
    ) -> KeySet:
        return cls(signing_key, {thumbprint(key): key for key in extra_public_keys})

    def public_key(self, kid: str) -> Ed25519PublicKey | None:
        return self.verification_keys.get(kid)

    def jwks(self) -> dict[str, Any]:
        """Public JWK Set for clients and other services; private parts never appear."""
        return {
            "keys": [
                {
                    "kty": "OKP",
                    "crv": "Ed25519",
                    "x": _b64url(_raw_public(public)),
                    "kid": kid,
                    "use": "sig",
                    "alg": "EdDSA",
                }
                for kid, public in self.verification_keys.items()
            ]
        }


def _as_bytes(pem: str | bytes) -> bytes:
    return pem.encode("ascii") if isinstance(pem, str) else pem


def load_private_key(pem: str | bytes, password: bytes | None = None) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(_as_bytes(pem), password=password)
    except (ValueError, TypeError, UnicodeError):
        raise KeyLoadError("not a readable PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyLoadError("private key is not Ed25519")
    return key


def load_public_key(pem: str | bytes) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(_as_bytes(pem))
    except (ValueError, TypeError, UnicodeError):
        raise KeyLoadError("not a readable PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise KeyLoadError("public key is not Ed25519")
    return key


def read_private_key(path: Path, password: bytes | None = None) -> Ed25519PrivateKey:
    return load_private_key(path.read_bytes(), password)


def read_public_key(path: Path) -> Ed25519PublicKey:
    return load_public_key(path.read_bytes())


def keyset_from_pem(
    private_pem: str | bytes,
    public_pems: Iterable[str | bytes] = (),
    password: bytes | None = None,
) -> KeySet:
    return KeySet.create(
        load_private_key(private_pem, password),
        [load_public_key(pem) for pem in public_pems],
    )


def keyset_from_files(
    private_path: Path,
    public_paths: Iterable[Path] = (),
    password: bytes | None = None,
) -> KeySet:
    return KeySet.create(
        read_private_key(private_path, password),
        [read_public_key(path) for path in public_paths],
    )


def generate_private_key_pem() -> str:
    """A fresh unencrypted PKCS#8 PEM, for operators creating production keys."""
    return (
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode("ascii")
    )


def public_key_pem(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def generate_dev_keypair(directory: Path) -> KeySet:
    """Create once, then reuse, a private key file so dev tokens survive restarts.

    The directory is made 0o700 and the file 0o600; a key file that others can
    read is refused rather than trusted.
    """
    if not directory.exists():
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(directory, 0o700)
    path = directory / DEV_KEY_FILENAME
    if not path.exists():
        _write_new_key(directory, path)
    if os.name == "posix":
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            raise KeyLoadError(f"{path} is readable by other users; chmod 600 it")
    return KeySet.create(read_private_key(path))


def _write_new_key(directory: Path, path: Path) -> None:
    # Written to a private temporary file and hard-linked into place, so a
    # concurrent process either wins the race or reads a complete key.
    fd, tmp_name = tempfile.mkstemp(dir=directory, prefix=".jwt-key-")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(generate_private_key_pem().encode("ascii"))
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o600)
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
