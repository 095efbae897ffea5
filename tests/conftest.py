"""Shared fixtures: one embedded engine per test run (or MONGODB_URI), apps over HTTP."""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from datastore.client import Database, open_client
from server.app import create_app
from server.devdb import EmbeddedEngine, free_port
from server.logs import configure_logging
from server.seed import seed_database
from server.settings import Settings
from tests.graphql_client import ISSUED_TOKENS
from tests.redis_server import flush, running_redis

SEEDED_DB = "leeto_seeded"

# argon2 at its smallest allowed cost: the suite hashes hundreds of passwords.
CHEAP_ARGON2 = {"argon2_time_cost": 1, "argon2_memory_kib": 8192, "argon2_parallelism": 1}


def with_database(uri: str, name: str) -> str:
    """The URI with its path replaced by a database name (query string kept)."""
    base, _, query = uri.partition("?")
    scheme, _, rest = base.partition("://")
    hosts = rest.split("/", 1)[0]
    return f"{scheme}://{hosts}/{name}" + (f"?{query}" if query else "")


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


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a real redis-server started for this run."""
    with running_redis(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture
def redis_url(redis_server: str) -> str:
    """The run's redis-server, emptied for this test."""
    flush(redis_server)
    return redis_server


@pytest.fixture
def fresh_db_name() -> str:
    """A database name no other test uses."""
    return f"leeto_t_{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def fresh_async_db(mongo_uri: str, fresh_db_name: str) -> AsyncIterator[Database]:
    """The driver's async API on a database no other test uses, as the app opens it."""
    client = open_client(with_database(mongo_uri, fresh_db_name))
    yield client[fresh_db_name]
    await client.close()


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One data directory (keys) for the whole run, shared by every app."""
    return tmp_path_factory.mktemp("leeto-data")


@pytest.fixture(scope="session")
def make_settings(mongo_uri: str, data_dir: Path) -> Callable[..., Settings]:
    def make(db_name: str, **overrides: Any) -> Settings:
        # Production refuses cheap hashing, so production settings keep the defaults.
        cheap = {} if overrides.get("env") == "production" else CHEAP_ARGON2
        values: dict[str, Any] = {
            "env": "test",
            "MONGODB_URI": with_database(mongo_uri, db_name),
            "data_dir": data_dir,
            **cheap,
            # Off unless a test turns them on: they add `extensions.cost` to bodies.
            "rate_limit_points": 0,
            # Off unless a test turns it on: tests write behind the API's back.
            "response_cache": False,
            **overrides,
        }
        return Settings(**values)

    return make


@pytest.fixture(scope="session")
def seeded_settings(make_settings: Callable[..., Settings]) -> Settings:
    """Settings of a database holding the demo data (seeded once per run)."""
    settings = make_settings(SEEDED_DB)
    asyncio.run(seed_database(settings, seed=42))
    return settings


@pytest.fixture(scope="session")
def seeded_client(seeded_settings: Settings) -> Iterator[TestClient]:
    """HTTP into the app over the seeded database; read-only tests share it."""
    with TestClient(create_app(seeded_settings)) as client:
        yield client


@pytest.fixture
def fresh_client(
    make_settings: Callable[..., Settings], fresh_db_name: str
) -> Iterator[TestClient]:
    """HTTP into the app over an empty database of its own."""
    with TestClient(create_app(make_settings(fresh_db_name))) as client:
        yield client


class _Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        fields = getattr(record, "fields", None)  # structured fields of JSON lines
        if fields is not None:
            text += f" {fields!r}"
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        self.lines.append(text)


def _never_logged() -> set[str]:
    """Personal data and passwords the suite handles, which no log line may contain
    (tokens the suite was issued are added from tests.graphql_client)."""
    from server.demo.build import DEMO_PASSWORD, build_demo
    from tests.accounts.accounts_helpers import NEW_PASSWORD, PASSWORD

    values = {DEMO_PASSWORD, PASSWORD, NEW_PASSWORD, "+27821234567", "9001015009086"}
    for user in build_demo(42).users:
        values |= {user.email, user.phone, user.national_id}
    return values


@pytest.fixture(scope="session", autouse=True)
def logs_hold_no_personal_data() -> Iterator[None]:
    """Every log record of the whole run, at DEBUG, as the server configures logging."""
    recorder = _Recorder()
    root = logging.getLogger()
    level = root.level
    configure_logging("debug")
    root.setLevel(logging.DEBUG)  # basicConfig leaves the level alone when pytest has handlers
    root.addHandler(recorder)
    yield
    root.removeHandler(recorder)
    root.setLevel(level)
    never = _never_logged() | ISSUED_TOKENS
    leaked = sorted(v for v in never if any(v in line for line in recorder.lines))
    assert leaked == [], f"{len(leaked)} personal values, passwords or tokens reached the logs"
