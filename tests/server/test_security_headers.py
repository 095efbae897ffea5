"""OWASP's headers: no framing, a CSP that lets GraphiQL run, HSTS only when configured."""

from __future__ import annotations

import re
from collections.abc import Callable

from starlette.testclient import TestClient

from server.app import create_app
from server.settings import Settings

API_CSP = "default-src 'none'; frame-ancestors 'none'"


def test_api_answers_may_not_be_framed_nor_load_anything(seeded_client: TestClient) -> None:
    for response in (
        seeded_client.post("/graphql", json={"query": "{ campuses { id } }"}),
        seeded_client.post(
            "/graphql", content=b"{bad", headers={"content-type": "application/json"}
        ),
        seeded_client.get("/graphql", params={"query": "{ campuses { id } }"}),  # CSRF refusal
        seeded_client.get("/healthz"),
        seeded_client.get("/.well-known/jwks.json"),
    ):
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["content-security-policy"] == API_CSP
        assert "strict-transport-security" not in response.headers


def test_graphiql_loads_only_its_own_assets_and_cannot_be_framed(
    make_settings: Callable[..., Settings], seeded_settings: Settings
) -> None:
    settings = make_settings(seeded_settings.database_name, graphiql=True)
    with TestClient(create_app(settings)) as client:
        page = client.get("/graphql", headers={"accept": "text/html"})
        assert page.status_code == 200
        assert "graphiql" in page.text.lower()
        # Scripts and stylesheets from this origin only (GraphiQL is vendored).
        policy = page.headers["content-security-policy"]
        assert "script-src 'self';" in policy
        assert "style-src 'self';" in policy
        assert "frame-ancestors 'none'" in policy
        assert "http" not in page.text
        for asset in re.findall(r'(?:src|href)="(/graphiql-assets/[^"]+)"', page.text):
            assert client.get(asset).status_code == 200, asset
        assert page.headers["x-frame-options"] == "DENY"
        # The page then sends its operations as JSON POSTs, which need no extra header.
        body = client.post("/graphql", json={"query": "{ campuses { city } }"}).json()
        assert len(body["data"]["campuses"]) >= 6


def test_hsts_when_tls_is_in_front(
    make_settings: Callable[..., Settings], seeded_settings: Settings
) -> None:
    settings = make_settings(seeded_settings.database_name, hsts_seconds=31_536_000)
    with TestClient(create_app(settings)) as client:
        for response in (
            client.get("/healthz"),
            client.post("/graphql", json={"query": "{ campuses { id } }"}),
        ):
            assert response.headers["strict-transport-security"] == "max-age=31536000"
