"""The example web client's operations, as its persisted-documents manifest lists
them, run on a server that accepts nothing else (trusted documents)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import orjson
import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.settings import Settings

MANIFEST = Path(__file__).parents[2] / "examples/web/src/gql/persisted-documents.json"


@pytest.fixture
def manifest() -> Path:
    if not MANIFEST.exists():
        message = "run `make client` first: it generates the web client's manifest"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return MANIFEST


def _post(client: TestClient, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    response = client.post("/graphql", json=body)
    return response.status_code, response.json()


def test_every_listed_operation_is_accepted_and_others_are_not(
    manifest: Path, seeded_settings: Settings
) -> None:
    listed: dict[str, str] = orjson.loads(manifest.read_bytes())
    assert len(listed) >= 6
    settings = seeded_settings.model_copy(update={"trusted_documents": manifest})
    with TestClient(create_app(settings)) as client:
        for document_id in listed:
            _, body = _post(client, {"documentId": document_id, "variables": {}})
            codes = {e.get("extensions", {}).get("code") for e in body.get("errors", [])}
            assert not codes & {"PERSISTED_QUERY_NOT_FOUND", "PERSISTED_QUERY_NOT_IN_LIST"}
        catalogue = next(h for h, text in listed.items() if text.startswith("query Catalogue"))
        status, body = _post(client, {"documentId": catalogue, "variables": {}})
        assert status == 200
        assert "errors" not in body, body
        assert body["data"]["courses"]["edges"]
        status, body = _post(client, {"query": "{ campuses { id } }"})
        assert status == 400
        assert body["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_IN_LIST"
