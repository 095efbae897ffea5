"""Versioned events put back in order for one subscriber.

Events of one stream may arrive out of order (several publishers, several
processes). A subscriber delivers versions one by one: an event that arrives
early waits for the versions before it; when a gap lasts too long (its
publisher died, or Redis lost it), the subscriber moves past it. A version
at or below the last delivered is never delivered.
"""

from __future__ import annotations

from typing import Generic, TypeVar

T = TypeVar("T")


class VersionOrder(Generic[T]):
    def __init__(self, last: int) -> None:
        self.last = last
        self._pending: dict[int, T] = {}

    @property
    def waiting(self) -> bool:
        """Some version arrived before one it follows."""
        return bool(self._pending)

    def add(self, version: int, item: T) -> list[T]:
        """Take `item`; the items now ready, in version order."""
        if version > self.last:
            self._pending[version] = item
        return self._ready()

    def skip_gap(self) -> list[T]:
        """Give up on the missing versions before the earliest that arrived."""
        if self._pending:
            self.last = min(self._pending) - 1
        return self._ready()

    def _ready(self) -> list[T]:
        ready = []
        while self.last + 1 in self._pending:
            self.last += 1
            ready.append(self._pending.pop(self.last))
        return ready
