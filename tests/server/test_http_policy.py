"""Introspection off in production by default; CORS only for configured origins."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from auth.keys import generate_private_key_pem
from datastore.encryption import create_local_master_key
from server.app import create_app
from server.settings import Settings
from tests.graphql_client import gql
from tests.own_keys import own_keys

INTROSPECT = "{ __schema { queryType { name } } }"


def test_introspection_is_on_in_development(seeded_client: TestClient) -> None:
    body = gql(seeded_client, INTROSPECT)
    assert body["data"]["__schema"]["queryType"]["name"] == "Query"


def test_introspection_is_off_in_production(
    make_settings: Callable[..., Settings], fresh_db_name: str, tmp_path: Path
) -> None:
    settings = make_settings(
        fresh_db_name,
        env="production",
        jwt_private_key=generate_private_key_pem(),
        **own_keys(fresh_db_name, tmp_path),
    )
    create_local_master_key(settings.keys_dir)
    with TestClient(create_app(settings)) as client:
        body = gql(client, INTROSPECT)
        assert body["data"] is None
        assert "introspection" in body["errors"][0]["message"].lower()
        assert gql(client, "{ campuses { id } }") == {"data": {"campuses": []}}
        # GraphiQL is a development tool.
        page = client.get("/graphql", headers={"accept": "text/html"})
        assert "GraphiQL" not in page.text


def test_cors_allows_only_configured_origins(
    make_settings: Callable[..., Settings], fresh_db_name: str
) -> None:
    settings = make_settings(fresh_db_name, cors_origins="https://app.example.com")
    with TestClient(create_app(settings)) as client:
        allowed = client.options(
            "/graphql",
            headers={
                "Origin": "https://app.example.com",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization,content-type",
            },
        )
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == "https://app.example.com"
        refused = client.options(
            "/graphql",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )
        assert "access-control-allow-origin" not in refused.headers


@pytest.mark.parametrize("origins", ["*", "app.example.com"])
def test_bad_cors_origins_are_refused(make_settings: Callable[..., Settings], origins: str) -> None:
    with pytest.raises(ValueError, match="LEETO_CORS_ORIGINS"):
        make_settings("unused", cors_origins=origins)


def test_responses_are_never_cached_or_sniffed(seeded_client: TestClient) -> None:
    for response in (
        seeded_client.post("/graphql", json={"query": "{ campuses { id } }"}),
        seeded_client.get("/healthz"),
        seeded_client.post(
            "/graphql", content=b"{bad", headers={"content-type": "application/json"}
        ),
    ):
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["x-content-type-options"] == "nosniff"
