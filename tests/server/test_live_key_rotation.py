"""`leeto keys rotate` while a server runs: the server keeps reading personal data."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

from starlette.testclient import TestClient

from server.app import create_app
from server.demo.build import DEMO_ADMIN, DEMO_PASSWORD
from server.seed import seed_database
from server.settings import Settings
from tests.cli import leeto_env, run_leeto
from tests.graphql_client import gql
from tests.own_keys import own_keys

USERS = "{ users(first: 100) { edges { node { email phone } } } }"
LOG_IN = """mutation($e: String!, $p: String!) { userLogIn(input: {email: $e, password: $p}) {
  ... on AuthPayload { accessToken } } }"""


def test_a_running_server_survives_master_key_rotation(
    make_settings: Callable[..., Settings], fresh_db_name: str, tmp_path: Path
) -> None:
    settings = make_settings(
        fresh_db_name,
        **own_keys(fresh_db_name, tmp_path),
        key_cache_seconds=0.2,  # data keys are read again almost at once
    )
    asyncio.run(seed_database(settings, seed=42))
    with TestClient(create_app(settings)) as client:
        login = gql(client, LOG_IN, {"e": DEMO_ADMIN, "p": DEMO_PASSWORD})
        token = login["data"]["userLogIn"]["accessToken"]
        before = gql(client, USERS, token=token)
        assert "errors" not in before, before

        env = leeto_env(
            LEETO_ENV="test",
            MONGODB_URI=settings.database_uri(),
            LEETO_DATA_DIR=str(tmp_path),
            LEETO_KEY_VAULT_NAMESPACE=settings.key_vault_namespace,
        )
        rotated = run_leeto("keys", "rotate", env=env)
        assert rotated.returncode == 0, rotated.stderr
        (tmp_path / "keys" / "master-key-1.bin").unlink()  # only the new key can unwrap now
        time.sleep(0.5)

        after = gql(client, USERS, token=token)
        assert "errors" not in after, after
        assert after == before
        # New personal data is written under the new master key too.
        body = gql(
            client,
            """mutation { userUpdateProfile(input: {phone: "+27825550123"}) {
                ... on UserUpdateProfilePayload { user { phone } } } }""",
            token=token,
        )
        assert body["data"]["userUpdateProfile"]["user"]["phone"] == "+27825550123"
