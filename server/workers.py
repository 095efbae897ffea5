"""`leeto serve`: one server process, or N worker processes sharing one listening socket.

With N workers the parent binds the socket, creates what must exist once
(development key files), then starts N processes (spawned, so no state is
shared) that each build their own app: database client, schema, loaders,
heap freezing. Only the first worker prints the welcome and runs the
housekeeping that prunes expired records; key creation in the key vault is
race-safe on its own (a unique index decides). SIGTERM or SIGINT to the parent
is passed on as SIGTERM, so every worker drains as a single server would; if
a worker dies, the parent stops the others and exits with status 1, leaving
restarts to the process manager.

uvicorn's own `--workers` supervisor would build plain uvicorn servers in the
workers; this one keeps `DrainingServer` (graceful shutdown) in each.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
from multiprocessing.connection import wait
from types import FrameType

import uvicorn

from server.app import create_app
from server.auth_setup import keyset_from
from server.draining import Drain, DrainingServer
from server.first_run import base_url, welcome
from server.logs import configure_logging
from server.security import kms_from
from server.settings import Settings, load_settings

log = logging.getLogger("leeto.server")


def run_server(
    settings: Settings,
    host: str,
    port: int,
    *,
    sockets: list[socket.socket] | None = None,
    first: bool = True,
) -> None:
    """Serve until told to stop. `first`: this process greets and does the housekeeping."""
    drain = Drain()
    app = create_app(
        settings,
        drain=drain,
        freeze_startup_heap=True,
        announce=welcome(settings, base_url(host, port)) if first else None,
        housekeeping=first,
    )
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        # uvloop and httptools (both come with uvicorn[standard]): the C event
        # loop and HTTP parser, named so that a missing one fails at start.
        loop="uvloop",
        http="httptools",
        log_level=settings.log_level,
        proxy_headers=True,
        server_header=False,
        # uvicorn's default is 16 MiB: a GraphQL message needs far less.
        ws_max_size=settings.ws_max_message_bytes,
        log_config=None,  # keep the logging set up by the caller: one format, request ids
        timeout_graceful_shutdown=settings.shutdown_grace_seconds,
    )
    server = DrainingServer(config, drain=drain, drain_seconds=settings.shutdown_drain_seconds)
    server.run(sockets=sockets)


def _listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def _worker(index: int, host: str, port: int, sock: socket.socket) -> None:
    settings = load_settings()  # the parent's environment, validated there already
    configure_logging(settings.log_level, settings.effective_log_format.value)
    run_server(settings, host, port, sockets=[sock], first=index == 0)


def run_workers(settings: Settings, host: str, port: int, workers: int) -> int:
    """N worker processes on one socket; the exit status for the command."""
    # Created here once, not raced for by N processes at their first start.
    keyset_from(settings)
    kms_from(settings)
    sock = _listening_socket(host, port)
    context = multiprocessing.get_context("spawn")
    processes = [
        context.Process(target=_worker, args=(i, host, port, sock), name=f"leeto-worker-{i}")
        for i in range(workers)
    ]
    stopping = False

    def stop(sig: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        for process in processes:
            if process.pid is not None and process.exitcode is None:
                os.kill(process.pid, signal.SIGTERM)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        for process in processes:
            process.start()
        log.info("serving on %s:%d with %d worker processes", host, port, workers)
        wait([process.sentinel for process in processes])
        failed = not stopping
        if failed:
            log.error("a worker process exited; stopping the others")
            stop(signal.SIGTERM, None)
        for process in processes:
            process.join()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        sock.close()
    return 1 if failed else 0
