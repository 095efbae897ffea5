"""Fixtures for the account tests: apps over a fresh database, with raw database access."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pymongo import MongoClient
from starlette.testclient import TestClient

from server.app import create_app
from server.settings import Settings
from tests.accounts.accounts_helpers import RELAXED, AccountsApp


@pytest.fixture
def accounts_app_factory(
    make_settings: Callable[..., Settings], fresh_db_name: str
) -> Iterator[Callable[..., AccountsApp]]:
    """Build apps over one fresh database; each call may override settings."""
    opened: list[TestClient] = []
    mongo: list[MongoClient[dict[str, Any]]] = []

    def build(**overrides: Any) -> AccountsApp:
        settings = make_settings(fresh_db_name, **{**RELAXED, **overrides})
        client = TestClient(create_app(settings))
        client.__enter__()
        opened.append(client)
        if not mongo:
            mongo.append(MongoClient(settings.database_uri(), tz_aware=True))
        return AccountsApp(client=client, settings=settings, db=mongo[0][fresh_db_name])

    yield build
    for client in reversed(opened):
        client.__exit__(None, None, None)
    for raw in mongo:
        raw.close()


@pytest.fixture
def accounts_app(accounts_app_factory: Callable[..., AccountsApp]) -> AccountsApp:
    return accounts_app_factory()
