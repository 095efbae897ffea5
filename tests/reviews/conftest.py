"""Fixtures for the review tests: an app over a fresh database, with raw database access."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pymongo import MongoClient
from starlette.testclient import TestClient

from server.app import create_app
from server.settings import Settings
from tests.accounts.accounts_helpers import RELAXED
from tests.reviews.helpers import ReviewsApp


@pytest.fixture
def reviews_app(make_settings: Callable[..., Settings], fresh_db_name: str) -> Iterator[ReviewsApp]:
    settings = make_settings(fresh_db_name, **RELAXED)
    raw: MongoClient[dict[str, Any]] = MongoClient(settings.database_uri(), tz_aware=True)
    with TestClient(create_app(settings)) as client:
        yield ReviewsApp(client=client, db=raw[fresh_db_name])
    raw.close()
