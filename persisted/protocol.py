"""Apollo's automatic persisted queries protocol, and GraphQL over HTTP's `documentId`.

A client sends `extensions: {"persistedQuery": {"version": 1, "sha256Hash": H}}`
without the query; the server answers `PERSISTED_QUERY_NOT_FOUND` (HTTP 200)
when it does not know H, and the client sends the query again with the hash,
which registers it. A hash that is not the query's SHA-256 is refused (400).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any, Final

APQ_VERSION: Final = 1
NOT_FOUND: Final = "PERSISTED_QUERY_NOT_FOUND"
NOT_SUPPORTED: Final = "PERSISTED_QUERY_NOT_SUPPORTED"
NOT_IN_LIST: Final = "PERSISTED_QUERY_NOT_IN_LIST"
BAD_REQUEST: Final = "BAD_REQUEST"

_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
_DOCUMENT_ID_PREFIX = "sha256:"


class PersistedQueryError(Exception):
    """Answered as a GraphQL error response with this code and HTTP status."""

    def __init__(self, message: str, code: str, status_code: int) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status_code = status_code


def not_found(message: str = "PersistedQueryNotFound") -> PersistedQueryError:
    # Apollo clients recognise the code (older ones the exact message) and retry
    # with the full query: a miss is part of the protocol, hence HTTP 200.
    return PersistedQueryError(message, NOT_FOUND, 200)


def bad_request(message: str) -> PersistedQueryError:
    return PersistedQueryError(message, BAD_REQUEST, 400)


def sha256_hex(document: str) -> str:
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


def normalise_hash(value: object) -> str:
    """A lower-case hex SHA-256, from a bare hash or a `sha256:` document id."""
    if not isinstance(value, str):
        raise bad_request("A persisted query hash must be a string.")
    text = value.removeprefix(_DOCUMENT_ID_PREFIX).lower()
    if not _SHA256_HEX.match(text):
        raise bad_request(
            "A persisted query hash must be 64 hexadecimal digits (SHA-256), "
            "optionally prefixed with `sha256:`."
        )
    return text


def requested_hash(extensions: Mapping[str, Any] | None) -> str | None:
    """The hash named in `extensions.persistedQuery`, or None when there is none."""
    if not extensions or extensions.get("persistedQuery") is None:
        return None
    persisted = extensions["persistedQuery"]
    if not isinstance(persisted, Mapping):
        raise bad_request("`extensions.persistedQuery` must be an object.")
    if persisted.get("version") != APQ_VERSION:
        raise bad_request("Unsupported persisted query version: only version 1 is known.")
    return normalise_hash(persisted.get("sha256Hash"))


def fold_document_id(data: dict[str, Any]) -> dict[str, Any]:
    """Turn GraphQL over HTTP's `documentId` into the persisted-query extension.

    One path then serves both ways of naming a stored document.
    """
    if "documentId" not in data:
        return data
    document_id = data.pop("documentId")
    extensions = data.get("extensions")
    if extensions is None:
        extensions = {}
    if not isinstance(extensions, dict):
        return data  # the view refuses a non-object `extensions` itself
    given = requested_hash(extensions)
    wanted = normalise_hash(document_id)
    if given is not None and given != wanted:
        raise bad_request("`documentId` and `extensions.persistedQuery` name different documents.")
    extensions["persistedQuery"] = {"version": APQ_VERSION, "sha256Hash": wanted}
    data["extensions"] = extensions
    return data
