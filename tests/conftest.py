"""Shared fixtures: one embedded engine per test run (or MONGODB_URI)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from server.devdb import EmbeddedEngine, free_port


@pytest.fixture(scope="session")
def mongo_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URI (no database path) of the engine the tests talk to."""
    external = os.environ.get("MONGODB_URI")
    if external:
        yield external
        return
    data_dir: Path = tmp_path_factory.mktemp("devdb")
    with EmbeddedEngine(port=free_port(), data_dir=data_dir) as engine:
        yield engine.uri


@pytest.fixture
def fresh_db_name() -> str:
    """A database name no other test uses."""
    return f"leeto_t_{uuid.uuid4().hex[:12]}"


def with_database(uri: str, name: str) -> str:
    """The URI with its path replaced by a database name (query string kept)."""
    base, _, query = uri.partition("?")
    scheme, _, rest = base.partition("://")
    hosts = rest.split("/", 1)[0]
    return f"{scheme}://{hosts}/{name}" + (f"?{query}" if query else "")
