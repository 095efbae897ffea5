"""One log line and one set of metrics per GraphQL operation.

The line holds what an operator needs and nothing a client sent as data: time,
request id, operation name and type, duration, cost, MongoDB commands, the
viewer's id, error codes and the client's address — never variables, messages
of errors, personal data or tokens.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from datastore.loader_batches import batch_observer
from observability.logs import FIELDS
from observability.metrics import Metrics
from observability.scope import OperationStats, operation_stats
from resolvers.context import Context
from resolvers.errors import Unauthenticated
from server.rate_limit import RATE_LIMITED

log = logging.getLogger("leeto.operation")

# `operationName` is whatever the client sent: a name that is not a GraphQL name
# (it could hold line breaks, or anything) is not written out.
_GRAPHQL_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")


def _safe_name(name: str | None) -> str | None:
    if name is None or _GRAPHQL_NAME.match(name):
        return name
    return "(invalid name)"


def _operation_type(execution: Any) -> str:
    try:
        return str(execution.operation_type.value)
    except Exception:  # no document, or no operation in it
        return "unknown"


def _viewer_id(context: object) -> str | None:
    if not isinstance(context, Context):
        return None
    try:
        viewer = context.viewer()
    except Unauthenticated:
        return None
    return str(viewer.user_id) if viewer is not None else None


def _codes(errors: list[GraphQLError] | None) -> list[str]:
    return [str((e.extensions or {}).get("code", "UNKNOWN")) for e in errors or ()]


class OperationObserver(SchemaExtension):
    """Give it to the schema as an observer, outside error shaping."""

    def __init__(self, *, metrics: Metrics) -> None:
        super().__init__()
        self.metrics = metrics

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        stats = OperationStats()
        stats_token = operation_stats.set(stats)
        batches_token = batch_observer.set(self.metrics.observe_batch)
        try:
            yield
        finally:
            operation_stats.reset(stats_token)
            batch_observer.reset(batches_token)
            self._record(time.perf_counter() - started, stats)

    def _record(self, seconds: float, stats: OperationStats) -> None:
        execution = self.execution_context
        context = execution.context
        result = execution.result
        name = _safe_name(execution.operation_name)
        kind = _operation_type(execution)
        codes = _codes(result.errors if result is not None else execution.pre_execution_errors)
        cost = context.operation_cost if isinstance(context, Context) else None
        address = context.client_address if isinstance(context, Context) else None

        self.metrics.operation_seconds.labels(self.metrics.operation_label(name), kind).observe(
            seconds
        )
        for code in codes:
            self.metrics.errors.labels(code).inc()
        if RATE_LIMITED in codes:
            self.metrics.rate_limited.inc()
        if cost is not None:
            self.metrics.operation_cost.observe(cost)

        fields = {
            "operationName": name,
            "operationType": kind,
            "durationMs": round(seconds * 1000, 2),
            "cost": cost,
            "mongoCommands": stats.mongo_commands,
            "mongoMs": round(stats.mongo_seconds * 1000, 2),
            "viewerId": _viewer_id(context),
            "errorCodes": codes,
            "clientAddress": address,
        }
        log.info(
            "operation %s %s %.1fms cost=%s mongo=%d errors=%s",
            kind,
            name or "(anonymous)",
            seconds * 1000,
            cost,
            stats.mongo_commands,
            ",".join(codes) or "-",
            extra={FIELDS: fields},
        )
