from starlette.testclient import TestClient


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
