"""CORS: local dev servers allowed in development, explicit origins elsewhere, and every
preflight answered as a preflight."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.settings import Settings

PREFLIGHT = {
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization,content-type",
}


@pytest.fixture
def development_client(make_settings: Callable[..., Settings], fresh_db_name: str) -> TestClient:
    return TestClient(create_app(make_settings(fresh_db_name, env="development")))


@pytest.mark.parametrize(
    "origin", ["http://localhost:5173", "http://127.0.0.1:3000", "http://localhost"]
)
def test_development_allows_local_dev_servers(development_client: TestClient, origin: str) -> None:
    with development_client as client:
        preflight = client.options("/graphql", headers={"Origin": origin, **PREFLIGHT})
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == origin
        allowed_headers = preflight.headers["access-control-allow-headers"].lower()
        assert "authorization" in allowed_headers
        assert "content-type" in allowed_headers
        assert "POST" in preflight.headers["access-control-allow-methods"]

        response = client.post(
            "/graphql", json={"query": "{ campuses { id } }"}, headers={"Origin": origin}
        )
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == origin
        assert "X-Request-ID" in response.headers["access-control-expose-headers"]


@pytest.mark.parametrize(
    "origin",
    [
        "https://localhost:5173",  # not what a dev server is on
        "http://localhost.evil.example",
        "http://127.0.0.1.evil.example:80",
        "http://evil.example/?http://localhost:5173",
    ],
)
def test_development_refuses_other_origins(development_client: TestClient, origin: str) -> None:
    with development_client as client:
        preflight = client.options("/graphql", headers={"Origin": origin, **PREFLIGHT})
        assert preflight.status_code == 400
        assert "access-control-allow-origin" not in preflight.headers


@pytest.mark.parametrize("env", ["test", "production"])
def test_local_origins_are_not_allowed_outside_development(
    make_settings: Callable[..., Settings], env: str
) -> None:
    settings = make_settings("unused", env=env)
    assert settings.cors_origin_regex is None
    assert settings.cors_origins == ()


def test_explicit_origins_add_to_the_local_ones_in_development(
    make_settings: Callable[..., Settings], fresh_db_name: str
) -> None:
    settings = make_settings(
        fresh_db_name, env="development", cors_origins="https://app.example.com"
    )
    with TestClient(create_app(settings)) as client:
        for origin in ("https://app.example.com", "http://localhost:5173"):
            preflight = client.options("/graphql", headers={"Origin": origin, **PREFLIGHT})
            assert preflight.headers["access-control-allow-origin"] == origin


@pytest.mark.parametrize("path", ["/graphql", "/healthz", "/nowhere"])
def test_a_refused_preflight_is_a_cors_answer_not_a_405(
    fresh_client: TestClient, path: str
) -> None:
    """No origin allowed (test settings): the browser learns it is a CORS refusal."""
    preflight = fresh_client.options(path, headers={"Origin": "http://localhost:5173", **PREFLIGHT})
    assert preflight.status_code == 400
    assert preflight.text == "Disallowed CORS origin"
    assert "access-control-allow-origin" not in preflight.headers
    assert "GraphQL only supports" not in preflight.text


def test_a_preflight_for_a_method_not_allowed_names_it(development_client: TestClient) -> None:
    with development_client as client:
        preflight = client.options(
            "/graphql",
            headers={"Origin": "http://localhost:5173", "Access-Control-Request-Method": "PUT"},
        )
        assert preflight.status_code == 400
        assert preflight.text == "Disallowed CORS method"
