"""`leeto serve` keeps its start-up objects out of garbage collection."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.settings import Settings


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()  # the rest of the suite collects as usual


def test_the_startup_heap_is_frozen_once_ready(
    unfrozen: None, make_settings: Callable[..., Settings], fresh_db_name: str
) -> None:
    app = create_app(make_settings(fresh_db_name), freeze_startup_heap=True)
    assert gc.get_freeze_count() == 0
    with TestClient(app) as client:
        assert gc.get_freeze_count() > 10_000
        assert client.get("/readyz").status_code == 200


def test_apps_built_for_tests_leave_collection_alone(
    unfrozen: None, seeded_client: TestClient
) -> None:
    assert seeded_client.get("/healthz").status_code == 200
    assert gc.get_freeze_count() == 0
