"""Prometheus metrics, one registry per app (tests build many apps in one process)."""

from __future__ import annotations

import re
import threading

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

# Operation names come from clients: only sane ones become label values, and
# only so many, so a client cannot grow the series without bound.
_SANE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
MAX_OPERATION_NAMES = 500
ANONYMOUS = "(anonymous)"
OTHER = "(other)"

SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
COSTS = (1, 5, 10, 50, 100, 500, 1000, 5000, 10_000, 25_000, 100_000)
BATCH_SIZES = (1, 2, 5, 10, 20, 50, 100, 200, 500)


class Metrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self._names: set[str] = set()
        self._lock = threading.Lock()
        r = self.registry
        self.operation_seconds = Histogram(
            "leeto_graphql_operation_duration_seconds",
            "GraphQL operations by name and type, from parse to result.",
            ["operation_name", "operation_type"],
            buckets=SECONDS,
            registry=r,
        )
        self.errors = Counter(
            "leeto_graphql_errors", "GraphQL errors by extensions.code.", ["code"], registry=r
        )
        self.operation_cost = Histogram(
            "leeto_graphql_operation_cost",
            "Computed cost of each operation (the points rate limits charge).",
            buckets=COSTS,
            registry=r,
        )
        self.rate_limited = Counter(
            "leeto_rate_limit_refusals", "Operations refused over their cost budget.", registry=r
        )
        self.mongo_commands = Counter(
            "leeto_mongodb_commands",
            "MongoDB commands by name and outcome.",
            ["command", "outcome"],
            registry=r,
        )
        self.mongo_seconds = Histogram(
            "leeto_mongodb_command_duration_seconds",
            "MongoDB command round trips by command name.",
            ["command"],
            buckets=SECONDS,
            registry=r,
        )
        self.batch_sizes = Histogram(
            "leeto_dataloader_batch_size",
            "Keys per DataLoader batch, by loader; parents per call of a batched field, by its"
            " schema coordinate (Course.sessions).",
            ["loader"],
            buckets=BATCH_SIZES,
            registry=r,
        )
        self.websockets = Gauge(
            "leeto_websocket_connections", "Open GraphQL WebSocket connections.", registry=r
        )

    def operation_label(self, name: str | None) -> str:
        if not name:
            return ANONYMOUS
        if not _SANE_NAME.match(name):
            return OTHER
        with self._lock:
            if name in self._names:
                return name
            if len(self._names) >= MAX_OPERATION_NAMES:
                return OTHER
            self._names.add(name)
            return name

    def observe_batch(self, loader: str, size: int) -> None:
        self.batch_sizes.labels(loader).observe(size)

    def render(self) -> bytes:
        return generate_latest(self.registry)
