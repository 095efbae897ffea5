"""A real SMTP server (aiosmtpd) on a loopback port, keeping what it receives."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from server.devdb import free_port

# aiosmtpd logs each SMTP command, addresses included: not in our logs.
logging.getLogger("mail.log").setLevel(logging.WARNING)


@dataclass
class MailCatcher:
    """Messages as they arrived; `refuse` answers every message with a 451,
    `hold` keeps the client waiting after the message arrived (a sender can be
    killed while it waits for the answer)."""

    url: str = ""
    messages: list[EmailMessage] = field(default_factory=list)
    refused: int = 0
    refuse: bool = False
    hold: threading.Event | None = None
    arrived: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            with self.lock:
                self.refused += 1
            return "451 4.3.0 Try again later"
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        with self.lock:
            self.messages.append(message)
        self.arrived.set()
        if self.hold is not None:
            while not self.hold.is_set():
                await _pause()
        return "250 OK"

    def notices(self) -> list[str]:
        with self.lock:
            return [str(m["X-Leeto-Notice"]) for m in self.messages]

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for m in self.messages if str(m["To"]) == address]

    def wait_for(self, check: Callable[[], bool], seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while not check():
            assert time.monotonic() < deadline, f"mail never came: {self.notices()}"
            time.sleep(0.05)


async def _pause() -> None:
    import asyncio

    await asyncio.sleep(0.05)


@contextmanager
def catching_mail() -> Iterator[MailCatcher]:
    catcher = MailCatcher()
    port = free_port()
    controller = Controller(catcher, hostname="127.0.0.1", port=port)
    controller.start()
    catcher.url = f"smtp://127.0.0.1:{port}"
    try:
        yield catcher
    finally:
        if catcher.hold is not None:
            catcher.hold.set()
        controller.stop()
