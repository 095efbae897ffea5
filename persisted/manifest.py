"""Trusted documents: the operations a production client was built with, and no others.

The manifest is graphql-codegen's client-preset `persisted-documents.json`:
`{"<sha256 hex>": "<document>", ...}`. Keys may carry a `sha256:` prefix. Each
key must be its document's SHA-256, so a stale or hand-edited manifest stops
the server at start instead of refusing operations later.
"""

from __future__ import annotations

import json
from pathlib import Path

from persisted.protocol import PersistedQueryError, normalise_hash, sha256_hex


class ManifestError(Exception):
    """The trusted documents manifest cannot be used; the message says why."""


def load_manifest(path: Path) -> dict[str, str]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ManifestError(
            f"cannot read the trusted documents manifest {path}: {exc.strerror}"
        ) from None
    except ValueError:
        raise ManifestError(f"the trusted documents manifest {path} is not valid JSON") from None
    if not isinstance(raw, dict):
        raise ManifestError(
            f"the trusted documents manifest {path} must be a JSON object of hash → document"
        )
    documents: dict[str, str] = {}
    for key, document in raw.items():
        try:
            sha = normalise_hash(key)
        except PersistedQueryError:
            raise ManifestError(f"{path}: {key!r} is not a SHA-256 hash") from None
        if not isinstance(document, str):
            raise ManifestError(f"{path}: the document under {key} is not a string")
        if sha256_hex(document) != sha:
            raise ManifestError(f"{path}: {key} is not the SHA-256 of its document")
        documents[sha] = document
    return documents
