"""OpenTelemetry: spans per operation, per resolver that waits, per MongoDB command."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from starlette.testclient import TestClient

from observability.tracing import Tracing, provider_from_environment
from server.app import create_app
from server.settings import Settings
from tests.cli import ROOT
from tests.conftest import with_database
from tests.operations import operation
from tests.serving import serve_env, serving_process


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def traced(seeded_settings: Settings, exporter: InMemorySpanExporter) -> Iterator[TestClient]:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    with TestClient(create_app(seeded_settings, tracing=Tracing(provider))) as client:
        exporter.clear()  # start-up's commands (indexes, key vault) are not the test's
        yield client


def _ancestors(span: ReadableSpan, by_id: dict[int, ReadableSpan]) -> list[str]:
    names = []
    parent = span.parent
    while parent is not None and parent.span_id in by_id:
        names.append(by_id[parent.span_id].name)
        parent = by_id[parent.span_id].parent
    return names


def test_an_operation_its_resolvers_and_its_commands_form_one_trace(
    traced: TestClient, exporter: InMemorySpanExporter
) -> None:
    response = traced.post(
        "/graphql",
        json={"query": operation("catalogue_page"), "variables": {"first": 5}},
        headers={"X-Request-ID": "traced-1"},
    )
    assert response.status_code == 200
    spans = exporter.get_finished_spans()
    by_id = {span.context.span_id: span for span in spans}
    [root] = [span for span in spans if span.name == "query CataloguePage"]
    assert root.parent is None
    assert root.attributes is not None
    assert root.attributes["graphql.operation.name"] == "CataloguePage"
    assert root.attributes["leeto.cost"] == 210
    assert root.attributes["leeto.request_id"] == "traced-1"
    assert {span.context.trace_id for span in spans} == {root.context.trace_id}

    resolvers = {span.name for span in spans if span.name.startswith("resolve ")}
    assert {"resolve Query.courses", "resolve Course.sessions", "resolve Course.reviews"} <= (
        resolvers
    )
    assert "resolve Course.title" not in resolvers  # plain reads are not traced

    commands = [span for span in spans if span.name.startswith("mongodb ")]
    assert len(commands) == 7  # the catalogue page's round trips
    for command in commands:
        assert command.attributes is not None
        assert command.attributes["db.system"] == "mongodb"
        chain = _ancestors(command, by_id)
        assert chain[-1] == "query CataloguePage"
        assert chain[0].startswith("resolve ")
        assert "filter" not in str(command.attributes)


def test_tracing_costs_nothing_when_off() -> None:
    code = (
        "import sys, server.app, server.cli; "
        "print(sorted(m for m in sys.modules if m.startswith('opentelemetry')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert result.stdout.strip() == "[]"


def test_the_otlp_endpoint_variable_turns_tracing_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", raising=False)
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    assert provider_from_environment() is None
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318")
    provider = provider_from_environment()
    assert provider is not None
    assert provider.resource.attributes["service.name"] == "leeto"
    provider.shutdown()


class _Collector(BaseHTTPRequestHandler):
    """An OTLP/HTTP receiver on loopback: keeps the span names it is sent."""

    names: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        request = ExportTraceServiceRequest()
        request.ParseFromString(body)
        for resource_spans in request.resource_spans:
            for scope_spans in resource_spans.scope_spans:
                self.names.extend(span.name for span in scope_spans.spans)
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        return


def test_a_real_server_exports_its_spans_over_otlp(
    mongo_uri: str, fresh_db_name: str, data_dir: Path
) -> None:
    collector = ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    thread = threading.Thread(target=collector.serve_forever, daemon=True)
    thread.start()
    try:
        env = serve_env(
            with_database(mongo_uri, fresh_db_name),
            data_dir,
            OTEL_EXPORTER_OTLP_ENDPOINT=f"http://127.0.0.1:{collector.server_port}",
            OTEL_BSP_SCHEDULE_DELAY="100",
        )
        with serving_process(env) as served:
            response = httpx.post(
                f"{served.url}/graphql", json={"query": "query Campuses { campuses { id } }"}
            )
            assert response.status_code == 200
        # Stopping the server exports whatever was still buffered.
        assert "query Campuses" in _Collector.names
        assert "mongodb find" in _Collector.names
    finally:
        collector.shutdown()
        collector.server_close()
