"""A real `leeto serve` on demo data of its own, for clients that talk to it over HTTP.

The clients enrol and cancel, so they get their own seeded database rather than
the run's shared one (which read-only tests rely on).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from server.seed import seed_database
from server.settings import Settings
from tests.conftest import with_database
from tests.serving import Served, serve_env, serving_process


@pytest.fixture(scope="package")
def live_server(
    mongo_uri: str, data_dir: Path, make_settings: Callable[..., Settings]
) -> Iterator[Served]:
    """`leeto serve` over freshly seeded demo data, without a rate-limit budget."""
    name = f"leeto_clients_{uuid.uuid4().hex[:12]}"
    asyncio.run(seed_database(make_settings(name), seed=42))
    env = serve_env(with_database(mongo_uri, name), data_dir, LEETO_RATE_LIMIT_POINTS="0")
    with serving_process(env) as served:
        yield served
