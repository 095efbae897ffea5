"""GraphQL over HTTP conformance: graphql-http's audit against a real `leeto serve`.

Every MUST and every SHOULD passes (the MAYs too, today); the audit script is
clients/conformance/audit.mjs, installed by `make test` (npm ci).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import orjson
import pytest

from server.settings import Settings
from tests.cli import ROOT
from tests.conftest import SEEDED_DB, with_database
from tests.serving import serve_env, serving_process

AUDIT = ROOT / "clients/conformance"
AUDIT_TIMEOUT_SECONDS = 120


@pytest.fixture
def node() -> str:
    found = shutil.which("node")
    installed = (AUDIT / "node_modules/graphql-http/package.json").exists()
    if found is None or not installed:
        message = (
            "run `make test` (or `npm ci` in clients/conformance) first: it installs the audit"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def test_graphql_over_http_audit_passes(
    node: str, mongo_uri: str, seeded_settings: Settings, data_dir: Path
) -> None:
    env = serve_env(with_database(mongo_uri, SEEDED_DB), data_dir, LEETO_RATE_LIMIT_POINTS="0")
    with serving_process(env) as served:
        run = subprocess.run(
            [node, "audit.mjs", f"{served.url}/graphql"],
            cwd=AUDIT,
            capture_output=True,
            text=True,
            timeout=AUDIT_TIMEOUT_SECONDS,
            check=False,
        )
    assert run.stdout, run.stderr
    report: dict[str, Any] = orjson.loads(run.stdout)
    assert report["failed"] == [], report["failed"]
    assert (report["errors"], report["warnings"]) == (0, 0)
    levels = report["byLevel"]
    assert levels["MUST"]["ok"] == levels["MUST"]["total"] > 0
    assert levels["SHOULD"]["ok"] == levels["SHOULD"]["total"] > 0
    assert run.returncode == 0, run.stderr
