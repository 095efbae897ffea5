from collections.abc import Callable
from pathlib import Path

from starlette.testclient import TestClient

from server.app import create_app
from server.devdb import EmbeddedEngine, free_port
from server.settings import Settings


def test_healthz_answers_without_the_database(seeded_client: TestClient) -> None:
    response = seeded_client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_pings_the_database(seeded_client: TestClient) -> None:
    response = seeded_client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "ready"


def test_every_response_carries_a_request_id(seeded_client: TestClient) -> None:
    response = seeded_client.get("/healthz", headers={"X-Request-ID": "trace-123"})
    assert response.headers["x-request-id"] == "trace-123"
    made = seeded_client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert made.headers["x-request-id"] != "bad id with spaces"
    assert len(made.headers["x-request-id"]) == 32


def test_readyz_is_503_when_the_database_is_gone(
    make_settings: Callable[..., Settings], tmp_path: Path
) -> None:
    engine = EmbeddedEngine(port=free_port(), data_dir=tmp_path / "engine")
    engine.start()
    try:
        settings = make_settings("unused", MONGODB_URI=engine.uri + "leeto")
        with TestClient(create_app(settings)) as client:
            assert client.get("/readyz").status_code == 200
            engine.stop()
            response = client.get("/readyz")
            assert response.status_code == 503
            assert response.json() == {"status": "database unavailable"}
            assert client.get("/healthz").status_code == 200
    finally:
        engine.stop()
