"""Counts the commands the app sends to MongoDB (PyMongo command monitoring)."""

from __future__ import annotations

import threading
from collections import Counter

from pymongo import monitoring

# Connection handshakes and driver housekeeping, not work done for a request.
IGNORED = frozenset({"hello", "isMaster", "ismaster", "endSessions", "ping", "buildInfo"})


class CommandCounter(monitoring.CommandListener):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.commands: Counter[str] = Counter()
        self.key_vault_finds = 0

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name in IGNORED:
            return
        with self._lock:
            self.commands[event.command_name] += 1
            if event.command_name == "find" and event.command.get("find") == "__keyVault":
                self.key_vault_finds += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        return

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        return

    def reset(self) -> None:
        with self._lock:
            self.commands.clear()
            self.key_vault_finds = 0

    @property
    def total(self) -> int:
        with self._lock:
            return sum(self.commands.values())
