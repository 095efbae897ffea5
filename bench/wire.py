"""A TCP proxy in front of the database that counts (and can keep) each command sent.

Counting on the wire, outside the server process, sees every command any code
in that process sends: the driver's, the loaders', the encryption library's.
"""

from __future__ import annotations

import asyncio
import struct
from collections import Counter
from typing import Any

import bson

OP_MSG = 2013
# The driver's connection upkeep, not work done for a request.
HANDSHAKE = {"hello", "isMaster", "ismaster", "ping", "endSessions", "buildInfo"}


class CountingProxy:
    """Forwards bytes both ways and names each OP_MSG command the app sends."""

    def __init__(self, upstream_port: int, *, keep: bool = False) -> None:
        self.upstream_port = upstream_port
        self.commands: Counter[str] = Counter()
        self.keep = keep
        self.kept: list[dict[str, Any]] = []
        # asyncio keeps only weak references to a server's connection tasks.
        self._connections: set[asyncio.Task[None]] = set()

    @property
    def total(self) -> int:
        return sum(self.commands.values())

    def clear(self) -> None:
        self.commands.clear()
        self.kept.clear()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._connections.add(task)
            task.add_done_callback(self._connections.discard)
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        try:
            await asyncio.gather(
                self._requests(reader, up_writer),
                self._pipe(up_reader, writer),
                return_exceptions=True,
            )
        except asyncio.CancelledError:
            pass  # the benchmark is over
        finally:
            writer.close()
            up_writer.close()

    async def _requests(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await self._forward_requests(reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()  # the app hung up: close the engine's side too

    async def _forward_requests(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        while True:
            header = await reader.readexactly(16)
            length, _request_id, _response_to, op_code = struct.unpack("<iiii", header)
            body = await reader.readexactly(length - 16)
            if op_code == OP_MSG and body[4] == 0:  # flags, then a kind-0 section
                doc_length = struct.unpack("<i", body[5:9])[0]
                command = bson.decode(body[5 : 5 + doc_length])
                name = next(iter(command))
                if name not in HANDSHAKE:
                    self.commands[name] += 1
                    if self.keep:
                        self.kept.append(command)
            writer.write(header + body)
            await writer.drain()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except ConnectionError:
            pass
        writer.close()  # the engine hung up: so does the app's side


async def start_proxy(proxy: CountingProxy, port: int) -> asyncio.Server:
    return await asyncio.start_server(proxy.handle, "127.0.0.1", port)
