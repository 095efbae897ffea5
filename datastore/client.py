"""The one MongoDB client per process, and what we learn about its server."""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.monitoring import _EventListener

Document = dict[str, Any]
Database = AsyncDatabase[Document]
Client = AsyncMongoClient[Document]


def open_client(
    uri: str,
    *,
    event_listeners: Sequence[_EventListener] = (),
    app_name: str = "leeto",
) -> Client:
    """Create the process-wide client; it connects lazily on first use."""
    return AsyncMongoClient(
        uri,
        tz_aware=True,
        appname=app_name,
        event_listeners=list(event_listeners),
        serverSelectionTimeoutMS=5000,
    )


@dataclass(frozen=True, slots=True)
class ServerInfo:
    version: str
    is_ferretdb: bool

    @property
    def supports_ttl_and_partial_indexes(self) -> bool:
        return not self.is_ferretdb


# Start-up asks in several places (indexes, key vault, housekeeping); one
# buildInfo per client answers them all.
_KNOWN: weakref.WeakKeyDictionary[Any, ServerInfo] = weakref.WeakKeyDictionary()


async def server_info(db: Database) -> ServerInfo:
    """Ask the server what it is: FerretDB answers buildInfo with its own keys."""
    known = _KNOWN.get(db.client)
    if known is not None:
        return known
    info = await db.command("buildInfo")
    found = ServerInfo(version=str(info.get("version", "")), is_ferretdb="ferretdbVersion" in info)
    _KNOWN[db.client] = found
    return found
