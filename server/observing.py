"""What watches one app: its metrics registry, driver listeners, schema observers, tracing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial

from pymongo.monitoring import _EventListener

from observability.metrics import Metrics
from observability.mongo import CommandMetrics
from observability.tracing import Tracing, provider_from_environment
from schema.build import ExtensionFactory
from server.operation_log import OperationObserver


@dataclass
class Observing:
    metrics: Metrics
    listeners: list[_EventListener]
    observers: list[ExtensionFactory]
    tracing: Tracing | None = None
    # Tracing this app set up from the environment, and so shuts down itself.
    _own_tracing: Tracing | None = field(default=None, repr=False)

    def shutdown(self) -> None:
        if self._own_tracing is not None:
            self._own_tracing.shutdown()  # exports the spans still buffered


def observing(
    event_listeners: Sequence[_EventListener] = (), tracing: Tracing | None = None
) -> Observing:
    """Metrics always (one registry per app); tracing when given or configured by OTEL_*."""
    own = None
    if tracing is None and (provider := provider_from_environment()) is not None:
        tracing = own = Tracing(provider)
    metrics = Metrics()
    listeners: list[_EventListener] = [*event_listeners, CommandMetrics(metrics)]
    observers: list[ExtensionFactory] = [partial(OperationObserver, metrics=metrics)]
    if tracing is not None:
        listeners.append(tracing.command_listener())
        observers.insert(0, tracing.extension())
    return Observing(metrics, listeners, observers, tracing, own)
