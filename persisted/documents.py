"""Which document an HTTP request runs: the query it sent, or one it named by hash.

Three policies, chosen by settings:
- `AutomaticPersistedQueries` (the default): documents are registered by the
  clients themselves and stored in MongoDB, with an in-memory LRU in front, so
  every process knows every registered document;
- `TrustedDocuments` (`LEETO_TRUSTED_DOCUMENTS`): only the manifest's operations run;
- `FreeFormOnly`: persisted queries turned off; a hash is answered
  `PERSISTED_QUERY_NOT_SUPPORTED` so clients fall back to sending the query.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from datastore.client import Database
from datastore.persisted_queries import find_persisted_query, insert_persisted_query
from persisted.protocol import (
    NOT_IN_LIST,
    NOT_SUPPORTED,
    PersistedQueryError,
    bad_request,
    not_found,
    requested_hash,
    sha256_hex,
)

HASH_MISMATCH = "provided sha does not match query"


@dataclass(frozen=True, slots=True)
class Resolution:
    """The document to run, and the hash to register it under once it validates."""

    query: str | None
    register_as: str | None = None


class DocumentPolicy(Protocol):
    async def resolve(self, query: str | None, extensions: Mapping[str, Any] | None) -> Resolution:
        """The document to run, or PersistedQueryError."""
        ...

    async def register(self, sha256_hash: str, query: str) -> None:
        """Remember a document that parsed and validated."""
        ...


def _checked(query: str, sha256_hash: str) -> str:
    if sha256_hex(query) != sha256_hash:
        raise bad_request(HASH_MISMATCH)
    return query


class FreeFormOnly:
    async def resolve(self, query: str | None, extensions: Mapping[str, Any] | None) -> Resolution:
        if requested_hash(extensions) is not None:
            raise PersistedQueryError("PersistedQueryNotSupported", NOT_SUPPORTED, 200)
        return Resolution(query)

    async def register(self, sha256_hash: str, query: str) -> None:
        return


# Documents longer than this are not kept in memory (they are read from MongoDB
# each time), so the cache holds at most `size` times 64 KiB of text.
MAX_CACHED_CHARS = 65_536


class _Lru:
    """A bounded map that forgets the least recently used document first.

    A dozen lines of OrderedDict; no dependency needed for it.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[str, str] = OrderedDict()

    def get(self, key: str) -> str | None:
        value = self.items.get(key)
        if value is not None:
            self.items.move_to_end(key)
        return value

    def put(self, key: str, value: str) -> None:
        if self.size <= 0 or len(value) > MAX_CACHED_CHARS:
            return
        self.items[key] = value
        self.items.move_to_end(key)
        while len(self.items) > self.size:
            self.items.popitem(last=False)


class AutomaticPersistedQueries:
    def __init__(self, db: Database, *, cache_size: int) -> None:
        self.db = db
        self.cache = _Lru(cache_size)

    async def resolve(self, query: str | None, extensions: Mapping[str, Any] | None) -> Resolution:
        sha = requested_hash(extensions)
        if sha is None:
            return Resolution(query)
        if query is not None:
            _checked(query, sha)
            known = self.cache.get(sha) is not None
            return Resolution(query, register_as=None if known else sha)
        stored = self.cache.get(sha)
        if stored is None:
            stored = await find_persisted_query(self.db, sha)
            if stored is None:
                raise not_found()
            self.cache.put(sha, stored)
        return Resolution(stored)

    async def register(self, sha256_hash: str, query: str) -> None:
        await insert_persisted_query(self.db, sha256_hash, query)
        self.cache.put(sha256_hash, query)


class TrustedDocuments:
    def __init__(self, documents: Mapping[str, str]) -> None:
        self.documents = dict(documents)

    async def resolve(self, query: str | None, extensions: Mapping[str, Any] | None) -> Resolution:
        sha = requested_hash(extensions)
        if sha is not None:
            document = self.documents.get(sha)
            if query is not None:
                _checked(query, sha)
            if document is None:
                raise not_found(
                    "PersistedQueryNotFound: this server runs only the operations in its "
                    "trusted documents manifest, and this hash is not one of them."
                )
            return Resolution(document)
        if query is None:
            return Resolution(None)  # the view answers a request without a query
        if sha256_hex(query) not in self.documents:
            raise PersistedQueryError(
                "This server runs only the operations in its trusted documents manifest: "
                "send the hash of one (as `documentId` or `extensions.persistedQuery`).",
                NOT_IN_LIST,
                400,
            )
        return Resolution(query)

    async def register(self, sha256_hash: str, query: str) -> None:
        return
