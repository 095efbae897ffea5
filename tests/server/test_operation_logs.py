"""One structured log line per operation, and the request id on every line of a request."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from observability.logs import JsonFormatter, RequestIdFilter
from resolvers.global_ids import from_global_id
from server.app import create_app
from server.settings import Settings
from tests.accounts.accounts_helpers import RELAXED, log_in, sign_up, unique_email
from tests.operations import operation


class JsonLines(logging.Handler):
    """Formats records as the server's JSON format does, request-id filter included."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.addFilter(RequestIdFilter())
        self.setFormatter(JsonFormatter())
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))

    def operations(self) -> list[dict[str, Any]]:
        return [line for line in self.lines if line["logger"] == "leeto.operation"]


@pytest.fixture
def json_logs() -> Iterator[JsonLines]:
    handler = JsonLines()
    logger = logging.getLogger("leeto")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


@pytest.fixture
def client(make_settings: Callable[..., Settings], fresh_db_name: str) -> Iterator[TestClient]:
    settings = make_settings(fresh_db_name, rate_limit_points=100_000, **RELAXED)
    with TestClient(create_app(settings)) as client:
        yield client


def test_each_operation_writes_one_line_with_what_an_operator_needs(
    seeded_client: TestClient, json_logs: JsonLines
) -> None:
    response = seeded_client.post(
        "/graphql",
        json={"query": operation("catalogue_page"), "variables": {"first": 5}},
        headers={"X-Request-ID": "trace-42"},
    )
    assert response.status_code == 200
    [line] = json_logs.operations()
    assert line["requestId"] == "trace-42"
    assert line["operationName"] == "CataloguePage"
    assert line["operationType"] == "query"
    assert line["durationMs"] > 0
    assert line["cost"] == 210
    assert line["mongoCommands"] == 7  # the catalogue page's batched round trips
    assert line["mongoMs"] > 0
    assert line["viewerId"] is None
    assert line["errorCodes"] == []
    assert line["clientAddress"] == "testclient"
    assert line["level"] == "info"
    assert line["time"].endswith("+00:00")


def test_the_line_names_the_viewer_and_the_error_codes(
    client: TestClient, json_logs: JsonLines
) -> None:
    email = unique_email()
    user_id = sign_up(client, email)["user"]["id"]
    token = log_in(client, email)["accessToken"]
    json_logs.lines.clear()
    client.post(
        "/graphql",
        json={"query": "query Mine { viewer { id } nope }"},
        headers={"Authorization": f"Bearer {token}"},
    )
    client.post(
        "/graphql",
        json={"query": "query Me { viewer { id } }"},
        headers={"Authorization": f"Bearer {token}"},
    )
    invalid, mine = json_logs.operations()
    assert invalid["errorCodes"] == ["GRAPHQL_VALIDATION_FAILED"]
    assert invalid["cost"] is None  # never reached execution
    assert mine["errorCodes"] == []
    assert mine["viewerId"] == str(from_global_id(user_id).id)
    # No line carries the token or the e-mail address.
    assert not [line for line in json_logs.lines if token in json.dumps(line)]
    assert not [line for line in json_logs.lines if email in json.dumps(line)]


def test_every_line_of_a_request_carries_its_id(client: TestClient, json_logs: JsonLines) -> None:
    client.post(
        "/graphql",
        json={"query": "query Over { courses(first: 100) { edges { node { id } } } }"},
        headers={"X-Request-ID": "abc.123"},
    )
    lines = [line for line in json_logs.lines if line["logger"].startswith("leeto")]
    assert lines
    assert {line["requestId"] for line in lines} == {"abc.123"}


def test_a_malformed_request_id_is_replaced(client: TestClient, json_logs: JsonLines) -> None:
    response = client.post(
        "/graphql",
        json={"query": "query Campuses { campuses { id } }"},
        headers={"X-Request-ID": "bad id\twith spaces"},
    )
    given = response.headers["X-Request-ID"]
    assert given != "bad id\twith spaces"
    [line] = json_logs.operations()
    assert line["requestId"] == given


def test_an_operation_name_that_is_not_a_name_is_not_written(
    client: TestClient, json_logs: JsonLines
) -> None:
    client.post(
        "/graphql",
        json={
            "query": "query Campuses { campuses { id } }",
            "operationName": "Campuses\nforged line",
        },
    )
    [line] = json_logs.operations()
    assert line["operationName"] == "(invalid name)"
