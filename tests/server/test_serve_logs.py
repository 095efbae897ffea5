"""A real `leeto serve` writes JSON lines, each line of a request with its id."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from tests.conftest import with_database
from tests.serving import serve_env, serving_process


def test_serve_writes_json_lines_with_request_ids(
    mongo_uri: str, fresh_db_name: str, data_dir: Path
) -> None:
    env = serve_env(with_database(mongo_uri, fresh_db_name), data_dir, LEETO_LOG_FORMAT="json")
    with serving_process(env) as served:
        response = httpx.post(
            f"{served.url}/graphql",
            json={"query": "query Campuses { campuses { id } }"},
            headers={"X-Request-ID": "from-the-proxy-1"},
        )
        assert response.status_code == 200
        scraped = httpx.get(f"{served.url}/metrics").text
        output = served.output()
    lines = [json.loads(line) for line in output.splitlines() if line.strip()]
    assert lines, "no log lines"
    mine = [line for line in lines if line["requestId"] == "from-the-proxy-1"]
    loggers = {line["logger"] for line in mine}
    assert {"leeto.operation", "uvicorn.access"} <= loggers
    [operation] = [line for line in mine if line["logger"] == "leeto.operation"]
    assert operation["operationName"] == "Campuses"
    assert operation["clientAddress"] == "127.0.0.1"
    assert 'operation_name="Campuses"' in scraped
