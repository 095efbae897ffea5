"""The broker interface, and the in-process broker (the default)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol

from live.fanout import Event, Fanout, Subscriber

DEFAULT_MAX_QUEUED = 100


class Broker(Protocol):
    """Publish after a write succeeded; subscribe for as long as a context lasts.

    Delivery is at most once: an event published while a subscriber is not yet
    subscribed, or while a shared broker is disconnected, is not seen by it.
    Events that must be ordered carry their own version (see `resolvers.live`).
    """

    async def publish(self, channel: str, event: Event) -> None: ...

    def subscribe(self, channel: str) -> AbstractAsyncContextManager[Subscriber]:
        """A subscriber, subscribed on entry and removed on exit."""
        ...

    async def close(self) -> None: ...


class InProcessBroker:
    """One process: publishing is handing the event to the local queues."""

    def __init__(self, max_queued: int = DEFAULT_MAX_QUEUED) -> None:
        self.fanout = Fanout(max_queued)

    async def publish(self, channel: str, event: Event) -> None:
        self.fanout.deliver(channel, event)

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[Subscriber]:
        subscriber = self.fanout.add(channel)
        try:
            yield subscriber
        finally:
            self.fanout.remove(subscriber)

    async def close(self) -> None:
        return
