"""Every MongoDB command the app sends, counted for metrics and for its operation.

A PyMongo command listener; the async driver publishes its events from the
task that runs the command, so the current operation's context variables are
the ones in force.
"""

from __future__ import annotations

from pymongo import monitoring

from observability.metrics import Metrics
from observability.scope import operation_stats

# Connection handshakes and monitoring, not work done for a request.
HOUSEKEEPING = frozenset({"hello", "isMaster", "ismaster", "endSessions", "ping", "buildInfo"})


class CommandMetrics(monitoring.CommandListener):
    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name in HOUSEKEEPING:
            return
        stats = operation_stats.get()
        if stats is not None:
            stats.mongo_commands += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        self._finished(event.command_name, event.duration_micros, "ok")

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        self._finished(event.command_name, event.duration_micros, "error")

    def _finished(self, command: str, micros: int, outcome: str) -> None:
        if command in HOUSEKEEPING:
            return
        seconds = micros / 1_000_000
        self.metrics.mongo_commands.labels(command, outcome).inc()
        self.metrics.mongo_seconds.labels(command).observe(seconds)
        stats = operation_stats.get()
        if stats is not None:
            stats.mongo_seconds += seconds
