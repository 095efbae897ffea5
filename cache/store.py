"""Where whole responses are kept: the interface, and the in-memory store.

The race every response cache has: a query reads data, a write changes it and
purges, then the query stores what it read before the write. Every purge
therefore moves a clock and stamps the purged tags with it; a query reads the
clock before it executes (`Lookup.clock`) and its response is stored only if
none of its tags was purged since (`put(..., since=clock)`). The check and the
store are one step (one Lua script in Redis; no await in memory).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

# How long a purge stamp is kept: longer than any operation may run
# (LEETO_OPERATION_TIMEOUT_SECONDS is at most an hour).
PURGE_STAMP_SECONDS = 3600


class StoreUnavailable(Exception):
    """The store could not be reached: the request is served without the cache."""


@dataclass(frozen=True)
class Lookup:
    body: bytes | None
    clock: int  # the purge clock when the lookup was made


class ResponseStore(Protocol):
    async def lookup(self, key: str) -> Lookup: ...

    async def put(
        self, key: str, body: bytes, *, tags: Iterable[str], ttl: int, since: int
    ) -> bool:
        """Store unless one of `tags` was purged after clock `since`; True if stored."""
        ...

    async def purge(self, tags: Iterable[str]) -> None: ...

    async def close(self) -> None: ...


@dataclass
class _Entry:
    body: bytes
    tags: frozenset[str]
    expires: float
    size: int


@dataclass
class MemoryStore:
    """One process's store: least recently used entries go once `max_bytes` is exceeded."""

    max_bytes: int
    _entries: OrderedDict[str, _Entry] = field(default_factory=OrderedDict)
    _by_tag: dict[str, set[str]] = field(default_factory=dict)
    # tag -> (clock, monotonic time) of its last purge
    _purged: dict[str, tuple[int, float]] = field(default_factory=dict)
    _clock: int = 0
    size: int = 0

    async def lookup(self, key: str) -> Lookup:
        entry = self._entries.get(key)
        if entry is not None and entry.expires <= time.monotonic():
            self._remove(key)
            entry = None
        if entry is not None:
            self._entries.move_to_end(key)
        return Lookup(None if entry is None else entry.body, self._clock)

    async def put(
        self, key: str, body: bytes, *, tags: Iterable[str], ttl: int, since: int
    ) -> bool:
        tags = frozenset(tags)
        if any(self._purged.get(tag, (0, 0.0))[0] > since for tag in tags):
            return False
        size = len(key) + len(body)
        if size > self.max_bytes:
            return False
        self._remove(key)
        self._entries[key] = _Entry(body, tags, time.monotonic() + ttl, size)
        self.size += size
        for tag in tags:
            self._by_tag.setdefault(tag, set()).add(key)
        while self.size > self.max_bytes:
            self._remove(next(iter(self._entries)))
        return True

    async def purge(self, tags: Iterable[str]) -> None:
        self._clock += 1
        now = time.monotonic()
        for tag in tags:
            self._purged[tag] = (self._clock, now)
            for key in list(self._by_tag.get(tag, ())):
                self._remove(key)
        if len(self._purged) > 10_000:
            old = now - PURGE_STAMP_SECONDS
            self._purged = {t: stamp for t, stamp in self._purged.items() if stamp[1] > old}

    async def close(self) -> None:
        return

    def __len__(self) -> int:
        return len(self._entries)

    def _remove(self, key: str) -> None:
        entry = self._entries.pop(key, None)
        if entry is None:
            return
        self.size -= entry.size
        for tag in entry.tags:
            keys = self._by_tag.get(tag)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._by_tag[tag]
