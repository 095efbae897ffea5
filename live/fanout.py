"""Fan-out of one process's events to its local subscribers, each with a bounded queue."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger("leeto.live")

Event = dict[str, Any]


class SlowConsumer(Exception):
    """The subscriber fell so far behind that its queue filled; it was dropped."""


class Subscriber:
    """One subscription's queue. A full queue drops the subscriber rather than grow:
    the next `get` raises SlowConsumer, whatever was still queued."""

    def __init__(self, channel: str, max_queued: int) -> None:
        self.channel = channel
        self._queue: asyncio.Queue[Event] = asyncio.Queue(maxsize=max_queued)
        self._dropped = asyncio.Event()

    @property
    def dropped(self) -> bool:
        return self._dropped.is_set()

    def offer(self, event: Event) -> bool:
        """Queue `event`; False (and dropped) when the queue is full."""
        if self.dropped:
            return False
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            self._dropped.set()
            return False
        return True

    async def get(self) -> Event:
        if self.dropped:
            raise SlowConsumer
        getter = asyncio.ensure_future(self._queue.get())
        dropped = asyncio.ensure_future(self._dropped.wait())
        try:
            await asyncio.wait({getter, dropped}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            dropped.cancel()
            if not getter.done():
                getter.cancel()
        if self.dropped:
            raise SlowConsumer
        return getter.result()


class Fanout:
    """Channel -> local subscribers. `on_first`/`on_last` tell a shared broker when
    this process starts or stops needing a channel."""

    def __init__(
        self,
        max_queued: int,
        *,
        on_first: Callable[[str], None] | None = None,
        on_last: Callable[[str], None] | None = None,
    ) -> None:
        self.max_queued = max_queued
        self._channels: dict[str, set[Subscriber]] = {}
        self._on_first = on_first
        self._on_last = on_last

    @property
    def channels(self) -> list[str]:
        return list(self._channels)

    def add(self, channel: str) -> Subscriber:
        subscriber = Subscriber(channel, self.max_queued)
        subscribers = self._channels.setdefault(channel, set())
        subscribers.add(subscriber)
        if len(subscribers) == 1 and self._on_first is not None:
            self._on_first(channel)
        return subscriber

    def remove(self, subscriber: Subscriber) -> None:
        subscribers = self._channels.get(subscriber.channel)
        if subscribers is None or subscriber not in subscribers:
            return
        subscribers.discard(subscriber)
        if not subscribers:
            del self._channels[subscriber.channel]
            if self._on_last is not None:
                self._on_last(subscriber.channel)

    def deliver(self, channel: str, event: Event) -> None:
        for subscriber in list(self._channels.get(channel, ())):
            if not subscriber.offer(event):
                log.warning(
                    "slow subscriber on %s dropped (queue of %d full)", channel, self.max_queued
                )
                self.remove(subscriber)
