"""Events shared by several processes over Redis pub/sub.

One pub/sub connection per process carries every channel this process's
subscribers want; a reader task hands each message to the local fan-out
(bounded queues, slow consumers dropped). Publishing goes through the
ordinary connection pool. A lost connection is re-opened with back-off and
every wanted channel subscribed again; events published meanwhile are not
seen here (pub/sub keeps nothing), which is why ordered events carry
versions and absolute values rather than deltas.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Final

import orjson
import redis.asyncio as aioredis
from redis.exceptions import RedisError

from live.broker import DEFAULT_MAX_QUEUED
from live.fanout import Event, Fanout, Subscriber

log = logging.getLogger("leeto.live")

PREFIX: Final = "leeto:events:"
# How long a new subscriber waits for Redis to confirm its channel before it
# goes on anyway (Redis unreachable: it will be subscribed on reconnect).
CONFIRM_TIMEOUT_SECONDS: Final = 5.0
MAX_BACKOFF_SECONDS: Final = 5.0


class RedisBroker:
    def __init__(self, url: str, max_queued: int = DEFAULT_MAX_QUEUED) -> None:
        self._client = aioredis.Redis.from_url(url)
        self.fanout = Fanout(max_queued, on_first=self._want, on_last=self._unwant)
        self._pubsub: Any = self._client.pubsub()
        self._confirmed: dict[str, asyncio.Event] = {}
        self._changes: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
        self._wake = asyncio.Event()
        self._reader: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._reader is None:
            self._reader = asyncio.create_task(self._read_forever())

    async def publish(self, channel: str, event: Event) -> None:
        try:
            await self._client.publish(PREFIX + channel, orjson.dumps(event))
        except RedisError as exc:
            # The write stands; subscribers catch up with the next event.
            log.warning("event on %s not published: %s", channel, type(exc).__name__)

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[Subscriber]:
        self.start()
        subscriber = self.fanout.add(channel)
        try:
            confirmed = self._confirmed.get(channel)
            if confirmed is not None:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(CONFIRM_TIMEOUT_SECONDS):
                        await confirmed.wait()
            yield subscriber
        finally:
            self.fanout.remove(subscriber)

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
            self._reader = None
        with contextlib.suppress(RedisError, OSError):
            await self._pubsub.aclose()
        await self._client.aclose()

    def _want(self, channel: str) -> None:
        self._confirmed[channel] = asyncio.Event()
        self._changes.put_nowait(("subscribe", channel))
        self._wake.set()

    def _unwant(self, channel: str) -> None:
        self._confirmed.pop(channel, None)
        self._changes.put_nowait(("unsubscribe", channel))
        self._wake.set()

    async def _apply_changes(self) -> None:
        while not self._changes.empty():
            action, channel = self._changes.get_nowait()
            wanted = channel in self._confirmed
            if action == "subscribe" and wanted:
                await self._pubsub.subscribe(PREFIX + channel)
            elif action == "unsubscribe" and not wanted:
                await self._pubsub.unsubscribe(PREFIX + channel)

    async def _read_forever(self) -> None:
        backoff = 0.1
        while True:
            try:
                await self._read()
            except (RedisError, OSError) as exc:
                log.warning(
                    "redis pub/sub connection lost (%s); reconnecting in %.1fs",
                    type(exc).__name__,
                    backoff,
                )
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
                await self._reopen()
            else:
                backoff = 0.1

    async def _reopen(self) -> None:
        with contextlib.suppress(RedisError, OSError):
            await self._pubsub.aclose()
        self._pubsub = self._client.pubsub()
        # Every channel still wanted, subscribed again on the new connection.
        while not self._changes.empty():
            self._changes.get_nowait()
        for channel in self.fanout.channels:
            self._changes.put_nowait(("subscribe", channel))

    async def _read(self) -> None:
        while True:
            await self._apply_changes()
            if not self._pubsub.subscribed:
                self._wake.clear()
                if self._changes.empty():
                    await self._wake.wait()
                continue
            message = await self._pubsub.get_message(timeout=0.1)
            if message is None:
                continue
            channel = _channel_of(message.get("channel"))
            if channel is None:
                continue
            if message["type"] == "subscribe":
                confirmed = self._confirmed.get(channel)
                if confirmed is not None:
                    confirmed.set()
            elif message["type"] == "message":
                try:
                    event = orjson.loads(message["data"])
                except orjson.JSONDecodeError:
                    log.warning("undecodable event on %s ignored", channel)
                    continue
                if isinstance(event, dict):
                    self.fanout.deliver(channel, event)


def _channel_of(raw: object) -> str | None:
    name = raw.decode() if isinstance(raw, bytes) else raw
    if isinstance(name, str) and name.startswith(PREFIX):
        return name[len(PREFIX) :]
    return None
