"""The first run, as `make run` does it: seed an empty database only, keep data across
restarts, print where to go and who to sign in as; `make reset` wipes and reseeds."""

from __future__ import annotations

import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import httpx
import pytest

from server.demo.build import DEMO_ADMIN, DEMO_INSTRUCTOR, DEMO_PASSWORD, DEMO_STUDENT
from server.devdb import free_port
from server.first_run import base_url, welcome_lines
from server.settings import Environment, Settings
from tests.cli import ROOT, leeto_env, run_leeto

SIGN_UP = """mutation {
  userSignUp(input: { email: "kept@example.org", password: "kept across restarts",
                      displayName: "Kept" }) { __typename }
}"""
LOG_IN = """mutation {
  userLogIn(input: { email: "kept@example.org", password: "kept across restarts" }) {
    __typename
  }
}"""


def _development_env(data_dir: Path) -> dict[str, str]:
    """No MONGODB_URI: each command starts the embedded engine on the data in `data_dir`."""
    return leeto_env(
        LEETO_ENV="development",
        LEETO_DATA_DIR=str(data_dir),
        LEETO_DEVDB_PORT=str(free_port()),
        LEETO_ARGON2_MEMORY_KIB="8192",
        LEETO_ARGON2_TIME_COST="1",
    )


@contextmanager
def _serving(env: dict[str, str]) -> Iterator[tuple[str, IO[bytes]]]:
    """`leeto serve` until ready; yields its URL and what it printed on stdout."""
    port = free_port()
    with tempfile.TemporaryFile() as stdout:
        process = subprocess.Popen(
            [sys.executable, "-m", "server.cli", "serve", "--port", str(port)],
            env={**env, "LEETO_PORT": str(port)},
            cwd=ROOT,
            stdout=stdout,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                assert process.poll() is None, "leeto serve exited at start"
                assert time.monotonic() < deadline, "leeto serve did not become ready"
                try:
                    if httpx.get(f"{url}/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
            yield url, stdout
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


def _printed(stdout: IO[bytes]) -> str:
    stdout.flush()
    stdout.seek(0)
    return stdout.read().decode()


def _gql(url: str, query: str) -> object:
    """The response's data (and errors, if any); the cost extension is left out."""
    response = httpx.post(f"{url}/graphql", json={"query": query})
    assert response.status_code == 200, response.text
    body = response.json()
    body.pop("extensions", None)
    return body


def test_make_run_keeps_data_across_restarts_and_make_reset_wipes_it(tmp_path: Path) -> None:
    env = _development_env(tmp_path)

    first = run_leeto("seed", "--if-empty", env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "seeded database 'leeto'" in first.stdout

    with _serving(env) as (url, stdout):
        printed = _printed(stdout)
        assert f"GraphiQL          {url}/graphql" in printed
        assert f"GraphQL endpoint  {url}/graphql" in printed
        for account in (DEMO_STUDENT, DEMO_INSTRUCTOR, DEMO_ADMIN, DEMO_PASSWORD):
            assert account in printed
        assert _gql(url, SIGN_UP) == {"data": {"userSignUp": {"__typename": "AuthPayload"}}}

    # A second `make run`: the database holds data, so it is kept as it is.
    again = run_leeto("seed", "--if-empty", env=env, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "already holds data: kept" in again.stdout
    assert "make reset" in again.stdout

    # Plain `leeto seed` never wipes data silently.
    refused = run_leeto("seed", env=env, cwd=tmp_path)
    assert refused.returncode == 1
    assert "already holds data" in refused.stderr
    assert "--force" in refused.stderr
    assert "Traceback" not in refused.stderr

    with _serving(env) as (url, _stdout):
        assert _gql(url, LOG_IN) == {"data": {"userLogIn": {"__typename": "AuthPayload"}}}

    # `make reset`: wiped and seeded again, and it says so.
    reset = run_leeto("seed", "--force", env=env, cwd=tmp_path)
    assert reset.returncode == 0, reset.stderr
    assert "wiping database 'leeto'" in reset.stdout
    assert "seeded database 'leeto'" in reset.stdout

    with _serving(env) as (url, _stdout):
        body = _gql(url, LOG_IN)
        assert body == {"data": {"userLogIn": {"__typename": "InvalidCredentials"}}}


def test_serve_without_demo_data_prints_no_accounts(tmp_path: Path) -> None:
    with _serving(_development_env(tmp_path)) as (url, stdout):
        printed = _printed(stdout)
        assert f"GraphiQL          {url}/graphql" in printed
        assert DEMO_PASSWORD not in printed
        assert DEMO_STUDENT not in printed


def test_seed_options_exclude_each_other(tmp_path: Path) -> None:
    result = run_leeto("seed", "--force", "--if-empty", env=leeto_env(), cwd=tmp_path)
    assert result.returncode == 2
    assert "not allowed with" in result.stderr


def test_production_prints_neither_graphiql_nor_accounts() -> None:
    production = Settings.model_construct(env=Environment.PRODUCTION, graphiql=None)
    lines = welcome_lines(production, "https://api.example.com", demo_accounts=True)
    assert lines == ["GraphQL endpoint  https://api.example.com/graphql  (POST JSON)"]


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("127.0.0.1", "http://127.0.0.1:8000"),
        ("0.0.0.0", "http://127.0.0.1:8000"),  # noqa: S104
        ("::", "http://[::1]:8000"),
        ("::1", "http://[::1]:8000"),
        ("localhost", "http://localhost:8000"),
    ],
)
def test_the_printed_url_is_one_a_browser_opens(host: str, url: str) -> None:
    assert base_url(host, 8000) == url
