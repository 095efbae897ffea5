"""A TCP proxy in front of the database that can hold back `find` commands.

It makes a request take as long as a test needs, without any hook in the
server: the server talks to the proxy as to any MongoDB.
"""

from __future__ import annotations

import asyncio
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import bson

from server.devdb import free_port

OP_MSG = 2013


class SlowProxy:
    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.port = free_port()
        self.find_delay = 0.0
        self.held = threading.Event()  # set when a find is being held back
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        try:
            await asyncio.gather(
                self._requests(reader, up_writer),
                self._pipe(up_reader, writer),
                return_exceptions=True,
            )
        finally:
            writer.close()
            up_writer.close()

    async def _requests(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            header = await reader.readexactly(16)
            length, _request_id, _response_to, op_code = struct.unpack("<iiii", header)
            body = await reader.readexactly(length - 16)
            if op_code == OP_MSG and body[4] == 0 and self.find_delay > 0:
                doc_length = struct.unpack("<i", body[5:9])[0]
                if next(iter(bson.decode(body[5 : 5 + doc_length]))) == "find":
                    self.held.set()
                    await asyncio.sleep(self.find_delay)
            writer.write(header + body)
            await writer.drain()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()

    async def _start(self) -> asyncio.Server:
        return await asyncio.start_server(self._handle, "127.0.0.1", self.port)

    async def _stop(self, server: asyncio.Server) -> None:
        server.close()
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)

    @contextmanager
    def running(self) -> Iterator[SlowProxy]:
        self._thread.start()
        server = asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        try:
            yield self
        finally:
            asyncio.run_coroutine_threadsafe(self._stop(server), self._loop).result(10)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._loop.close()
