"""Master keys for field encryption: where they come from and how pymongo is told.

A master key only wraps (encrypts) the data keys stored in the key vault; the
data keys encrypt the fields. Two sources are supported:

* ``local``: 96 random bytes in a file, for development and small installs.
  Every key file is ``master-key-<n>.bin`` in one directory and is offered to
  libmongocrypt as the *named* KMS provider ``local:<n>`` (named providers are
  supported since libmongocrypt 1.9). A data key records which provider wrapped
  it, so data keys wrapped by an older file keep decrypting as long as that file
  is present, and rotation is: create ``master-key-<n+1>.bin``, rewrap every data
  key with it, then (once no key lists ``local:<n>``) delete the old file.
  The highest ``<n>`` wraps newly created data keys.
* ``aws`` / ``azure`` / ``gcp``: provider credentials and a master key
  description, exactly as pymongo expects them in ``kms_providers`` and
  ``master_key``; the key itself never leaves the cloud KMS.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

__all__ = [
    "MASTER_KEY_BYTES",
    "KmsSettings",
    "MasterKeyError",
    "create_local_master_key",
    "ensure_local_master_key",
    "kms_providers",
    "local_master_key_ids",
]

MASTER_KEY_BYTES: Final = 96
ProviderType = Literal["local", "aws", "azure", "gcp"]

_KEY_FILE: Final = re.compile(r"master-key-([1-9][0-9]{0,8})\.bin")
# libmongocrypt accepts provider names of the form "<type>:<name>", name in [A-Za-z0-9_].
_NAME: Final = re.compile(r"[A-Za-z0-9_]{1,64}")


class MasterKeyError(RuntimeError):
    """No usable master key; the message never contains key material."""


@dataclass(frozen=True)
class KmsSettings:
    """Where the master key comes from. Build with :meth:`local` or :meth:`cloud`.

    ``name`` makes the provider a named one (``"<provider>:<name>"``); for local
    keys it is the key file's number.
    """

    provider: ProviderType
    name: str | None = None
    data_dir: Path | None = None
    # Secrets: kept out of repr() so settings can be logged.
    credentials: Mapping[str, Any] = field(default_factory=dict, repr=False)
    master_key: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.name is not None and not _NAME.fullmatch(self.name):
            raise ValueError("KMS provider name must be 1-64 characters of [A-Za-z0-9_]")
        if self.provider == "local":
            if self.data_dir is None or self.name is None:
                raise ValueError("local master keys need data_dir and name (the key number)")
            if self.credentials or self.master_key:
                raise ValueError("local master keys take no credentials or master_key")
        elif self.provider in ("aws", "azure", "gcp"):
            if self.data_dir is not None:
                raise ValueError(f"{self.provider} master keys take no data_dir")
            if not self.master_key:
                raise ValueError(f"{self.provider} master keys need master_key")
        else:
            raise ValueError(f"unsupported KMS provider {self.provider!r}")

    @classmethod
    def local(cls, data_dir: Path, key_id: str) -> KmsSettings:
        return cls(provider="local", name=key_id, data_dir=data_dir)

    @classmethod
    def cloud(
        cls,
        provider: Literal["aws", "azure", "gcp"],
        credentials: Mapping[str, Any],
        master_key: Mapping[str, Any],
        *,
        name: str | None = None,
    ) -> KmsSettings:
        return cls(provider=provider, name=name, credentials=credentials, master_key=master_key)

    @property
    def provider_name(self) -> str:
        """The key of this provider in ``kms_providers`` (and in a data key's masterKey)."""
        return self.provider if self.name is None else f"{self.provider}:{self.name}"

    def master_key_document(self) -> dict[str, Any] | None:
        """The ``master_key`` argument for create_data_key / rewrap_many_data_key."""
        return None if self.provider == "local" else dict(self.master_key)


def kms_providers(settings: KmsSettings) -> dict[str, Any]:
    """pymongo's ``kms_providers`` mapping for these settings.

    For local keys every key file in the directory is offered, so data keys
    wrapped by an older master key still decrypt.
    """
    if settings.provider != "local":
        return {settings.provider_name: dict(settings.credentials)}
    assert settings.data_dir is not None
    keys = {f"local:{n}": {"key": _read_key(settings.data_dir, n)} for n in _ids(settings.data_dir)}
    if settings.provider_name not in keys:
        raise MasterKeyError(
            f"master key file {_key_path(settings.data_dir, settings.name or '?')} is missing"
        )
    return keys


def local_master_key_ids(data_dir: Path) -> list[str]:
    """Numbers of the key files present, oldest first."""
    return [str(n) for n in _ids(data_dir)]


def ensure_local_master_key(data_dir: Path, *, create: bool) -> KmsSettings:
    """Settings for the newest local master key in ``data_dir``.

    With ``create=True`` (development only) the first key is generated when
    none exists. With ``create=False`` a missing key is an error, so a
    production server refuses to start rather than invent a key that would make
    the existing data unreadable.
    """
    ids = _ids(data_dir)
    if ids:
        return _checked(data_dir, ids[-1])
    if not create:
        raise MasterKeyError(
            f"no master key found in {data_dir} (expected master-key-<n>.bin with "
            f"{MASTER_KEY_BYTES} bytes): configure a cloud KMS master key, or install the "
            "local key file; keys are generated automatically only in development"
        )
    return create_local_master_key(data_dir)


def create_local_master_key(data_dir: Path) -> KmsSettings:
    """Generate the next local master key (``master-key-<n+1>.bin``, mode 0o600).

    Safe against another process doing the same: the complete file is written
    under a temporary name and hard-linked into place, which fails if the name
    is taken; the loser then uses the winner's file when it is the first key.
    """
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    if stat.S_IMODE(data_dir.stat().st_mode) & 0o077:
        data_dir.chmod(0o700)  # the directory is about to hold a secret
    first = not _ids(data_dir)
    fd, tmp_name = tempfile.mkstemp(dir=data_dir, prefix=".master-key-")  # mode 0o600
    try:
        with os.fdopen(fd, "wb") as tmp:
            tmp.write(secrets.token_bytes(MASTER_KEY_BYTES))
            tmp.flush()
            os.fsync(tmp.fileno())
        while True:
            n = max(_ids(data_dir), default=0) + 1
            try:
                os.link(tmp_name, _key_path(data_dir, str(n)))
            except FileExistsError:
                if first:  # someone else created the first key at the same time: use it
                    return _checked(data_dir, 1)
                continue
            return _checked(data_dir, n)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)


def _key_path(data_dir: Path, key_id: str) -> Path:
    return data_dir / f"master-key-{key_id}.bin"


def _ids(data_dir: Path) -> list[int]:
    if not data_dir.is_dir():
        return []
    found = (_KEY_FILE.fullmatch(p.name) for p in data_dir.iterdir())
    return sorted(int(m[1]) for m in found if m)


def _checked(data_dir: Path, n: int) -> KmsSettings:
    _read_key(data_dir, n)
    return KmsSettings.local(data_dir, str(n))


def _read_key(data_dir: Path, n: int) -> bytes:
    path = _key_path(data_dir, str(n))
    try:
        key = path.read_bytes()
    except OSError as exc:
        raise MasterKeyError(f"cannot read master key file {path}: {exc.strerror}") from None
    if len(key) != MASTER_KEY_BYTES:
        raise MasterKeyError(
            f"master key file {path} has {len(key)} bytes, expected {MASTER_KEY_BYTES}"
        )
    return key
