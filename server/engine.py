"""Starts the embedded engine for commands that need a database and have none."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager

from server.devdb import EmbeddedEngine
from server.settings import Settings


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.3):
            return True
    except OSError:
        return False


@contextmanager
def database_available(settings: Settings) -> Iterator[None]:
    """Yield with a database reachable at settings.database_uri().

    With MONGODB_URI set nothing is started. Otherwise the embedded engine is
    started on LEETO_DEVDB_PORT, unless something (say `leeto devdb` in another
    terminal) already listens there, and stopped on exit.
    """
    if not settings.uses_embedded_engine or _port_open(settings.devdb_port):
        yield
        return
    engine = EmbeddedEngine(port=settings.devdb_port, data_dir=settings.data_dir / "devdb")
    print(f"starting the embedded engine on 127.0.0.1:{settings.devdb_port}", flush=True)
    with engine:
        yield
