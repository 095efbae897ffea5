"""OpenTelemetry tracing, on when `OTEL_EXPORTER_OTLP_ENDPOINT` is set.

Spans: one per GraphQL operation, one per resolver that touches the database,
and one per MongoDB command, a child of the resolver that caused it. A span
for every resolver would cost more than the request (a catalogue page runs
hundreds of resolvers, most of them answered from DataLoader caches), so a
resolver that waits on something only leaves a cheap marker; the resolver's
span is created, back-dated to the resolver's start, when a command is sent
under that marker. Spans carry names, types, costs and command names — never
variables, filters or documents.

Nothing here imports OpenTelemetry at module level: with tracing off the SDK is
never loaded.
"""

from __future__ import annotations

import inspect
import os
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pymongo import monitoring
from strawberry.extensions import SchemaExtension

from observability.scope import request_id

if TYPE_CHECKING:
    from opentelemetry.context import Context
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.trace import Span, Tracer

ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
HOUSEKEEPING = frozenset({"hello", "isMaster", "ismaster", "endSessions", "ping", "buildInfo"})


def provider_from_environment() -> TracerProvider | None:
    """A provider exporting over OTLP/HTTP when an endpoint is configured, else None.

    The exporter reads the standard OTEL_EXPORTER_OTLP_* variables itself
    (endpoint, headers, timeout); OTEL_SERVICE_NAME names the service.
    """
    if not any(os.environ.get(name) for name in ENDPOINT_VARIABLES):
        return None
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    resource = Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME", "leeto")})
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return provider


@dataclass
class _ResolverMark:
    """A resolver in progress, which gets a span only if it touches the database."""

    field: str
    started_ns: int
    parent: Context
    span: Span | None = None


_resolver: ContextVar[_ResolverMark | None] = ContextVar("leeto_traced_resolver", default=None)


class Tracing:
    """The app's tracer (its own provider, so apps in one process stay apart)."""

    def __init__(self, provider: TracerProvider) -> None:
        self.provider = provider
        self.tracer: Tracer = provider.get_tracer("leeto")

    def extension(self) -> Callable[[], SchemaExtension]:
        def build() -> SchemaExtension:
            return OperationSpans(tracer=self.tracer)

        return build

    def command_listener(self) -> CommandSpans:
        return CommandSpans(self.tracer)

    def shutdown(self) -> None:
        """Export what is buffered, then stop."""
        self.provider.shutdown()


class OperationSpans(SchemaExtension):
    def __init__(self, *, tracer: Tracer) -> None:
        super().__init__()
        self.tracer = tracer

    def on_operation(self) -> Iterator[None]:
        with self.tracer.start_as_current_span("graphql operation") as span:
            span.set_attribute("leeto.request_id", request_id.get())
            yield
            execution = self.execution_context
            name = execution.operation_name
            try:
                kind = str(execution.operation_type.value)
            except Exception:  # no document, or no operation in it
                kind = "unknown"
            span.update_name(f"{kind} {name}" if name else kind)
            span.set_attribute("graphql.operation.type", kind)
            if name:
                span.set_attribute("graphql.operation.name", name)
            cost = getattr(execution.context, "operation_cost", None)
            if isinstance(cost, int):
                span.set_attribute("leeto.cost", cost)
            result = execution.result
            if result is not None and result.errors:
                codes = [str((e.extensions or {}).get("code", "UNKNOWN")) for e in result.errors]
                span.set_attribute("graphql.error_codes", codes)

    def resolve(
        self, _next: Callable[..., Any], root: Any, info: Any, *args: Any, **kwargs: Any
    ) -> Any:
        result = _next(root, info, *args, **kwargs)
        if not inspect.isawaitable(result):
            return result
        return self._traced(result, f"{info.parent_type.name}.{info.field_name}")

    async def _traced(self, awaitable: Awaitable[Any], field: str) -> Any:
        from opentelemetry.context import get_current

        mark = _ResolverMark(field, time.time_ns(), get_current())
        token = _resolver.set(mark)
        try:
            return await awaitable
        finally:
            _resolver.reset(token)
            if mark.span is not None:
                mark.span.end()


class CommandSpans(monitoring.CommandListener):
    """A span per MongoDB command, opened when it is sent and closed on its reply."""

    def __init__(self, tracer: Tracer) -> None:
        self.tracer = tracer
        self._open: dict[tuple[int, Any], Span] = {}
        self._lock = threading.Lock()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name in HOUSEKEEPING:
            return
        target = event.command.get(event.command_name)
        span = self.tracer.start_span(f"mongodb {event.command_name}", context=self._parent())
        span.set_attribute("db.system", "mongodb")
        span.set_attribute("db.operation.name", event.command_name)
        span.set_attribute("db.namespace", event.database_name)
        if isinstance(target, str):
            span.set_attribute("db.collection.name", target)
        with self._lock:
            self._open[(event.request_id, event.connection_id)] = span

    def _parent(self) -> Context | None:
        """The span of the resolver that sent the command, opened now if it is the first."""
        mark = _resolver.get()
        if mark is None:
            return None  # the current span (the operation's, or none)
        if mark.span is None:
            mark.span = self.tracer.start_span(
                f"resolve {mark.field}", context=mark.parent, start_time=mark.started_ns
            )
            mark.span.set_attribute("graphql.field.path", mark.field)
        from opentelemetry.trace import set_span_in_context

        return set_span_in_context(mark.span)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        self._end(event.request_id, event.connection_id, None)

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        code = event.failure.get("code") if isinstance(event.failure, dict) else None
        self._end(event.request_id, event.connection_id, code)

    def _end(self, request: int, connection: Any, error_code: object) -> None:
        with self._lock:
            span = self._open.pop((request, connection), None)
        if span is None:
            return
        if error_code is not None:
            from opentelemetry.trace import Status, StatusCode

            span.set_status(Status(StatusCode.ERROR, f"MongoDB error {error_code}"))
        span.end()
