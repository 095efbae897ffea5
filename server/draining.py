"""Graceful shutdown: stop being ready, close WebSockets with 1001, then let uvicorn drain.

On SIGTERM (or SIGINT) `DrainingServer`:
1. marks the app as draining: `/readyz` answers 503 so load balancers stop
   sending traffic, and new WebSockets are turned away;
2. closes every open GraphQL WebSocket with code 1001 (going away), so clients
   reconnect elsewhere;
3. after `LEETO_SHUTDOWN_DRAIN_SECONDS` (SIGTERM only: Ctrl-C does not wait), hands
   over to uvicorn's own shutdown: stop accepting, let in-flight requests
   finish for up to `LEETO_SHUTDOWN_GRACE_SECONDS`, then run the lifespan's
   shutdown, which closes the database client.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from types import FrameType
from typing import Any

import uvicorn
from starlette.websockets import WebSocket

log = logging.getLogger("leeto.server")

GOING_AWAY = 1001


class Drain:
    """The app's view of a shutdown in progress, and the WebSockets it must close."""

    def __init__(self) -> None:
        self.draining = False
        self._websockets: dict[int, WebSocket] = {}

    def track(self, websocket: WebSocket) -> None:
        self._websockets[id(websocket.scope)] = websocket

    def forget(self, scope: Any) -> None:
        self._websockets.pop(id(scope), None)

    @property
    def open_websockets(self) -> int:
        return len(self._websockets)

    async def begin(self) -> None:
        self.draining = True
        websockets = list(self._websockets.values())
        await asyncio.gather(*(self._close(ws) for ws in websockets))

    @staticmethod
    async def _close(websocket: WebSocket) -> None:
        # The peer may be gone already, or the handler may have closed it first.
        with contextlib.suppress(Exception):
            await websocket.close(code=GOING_AWAY, reason="server shutting down")


class DrainingServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, *, drain: Drain, drain_seconds: float) -> None:
        super().__init__(config)
        self.drain = drain
        self.drain_seconds = drain_seconds
        self._loop: asyncio.AbstractEventLoop | None = None
        self._draining: asyncio.Task[None] | None = None

    async def serve(self, sockets: Any = None) -> None:
        self._loop = asyncio.get_running_loop()
        await super().serve(sockets)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        # A second signal, or one before the loop runs: uvicorn's own handling
        # (a second Ctrl-C forces the exit).
        if self.drain.draining or self._loop is None or self.should_exit:
            super().handle_exit(sig, frame)
            return
        self.drain.draining = True
        self._loop.call_soon_threadsafe(self._start_draining, sig)

    def _start_draining(self, sig: int) -> None:
        self._draining = asyncio.get_running_loop().create_task(self._drain_then_exit(sig))

    async def _drain_then_exit(self, sig: int) -> None:
        log.info("shutting down: not ready, closing %d WebSocket(s)", self.drain.open_websockets)
        try:
            await self.drain.begin()
            if sig == signal.SIGTERM and self.drain_seconds > 0:
                await asyncio.sleep(self.drain_seconds)
        finally:
            super().handle_exit(sig, None)
