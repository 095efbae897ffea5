"""Apollo Client (clients/apollo/run.mjs) against a real `leeto serve`: a catalogue
query, an APQ hit, a log-in, subscriptions over graphql-ws, and a signed-in
enrolment, then its cancellation, each seen pushed to those subscriptions."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from typing import Any

import pytest

from server.devdb import free_port
from tests.cli import ROOT, leeto_env
from tests.serving import Served

APOLLO = ROOT / "clients/apollo"
TIMEOUT_SECONDS = 90


@pytest.fixture(scope="module")
def node() -> str:
    """The node binary, once `npm ci` has installed the client's packages."""
    found = shutil.which("node")
    installed = (APOLLO / "node_modules/@apollo/client/package.json").exists()
    if found is None or not installed:
        message = "run `make apollo` first (needs node and npm): it installs clients/apollo"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def _run(node: str, url: str, **env: str) -> tuple[int, dict[str, Any], str]:
    result = subprocess.run(
        [node, "run.mjs", url],
        cwd=APOLLO,
        env=leeto_env(LEETO_CLIENT_TIMEOUT_MS=str((TIMEOUT_SECONDS - 10) * 1000), **env),
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    assert result.stdout.strip(), f"no summary; stderr:\n{result.stderr[-2000:]}"
    summary: dict[str, Any] = json.loads(result.stdout)
    return result.returncode, summary, result.stderr


def test_apollo_client_queries_hits_apq_and_enrols(node: str, live_server: Served) -> None:
    code, summary, stderr = _run(node, f"{live_server.url}/graphql")
    assert code == 0, (summary, stderr[-2000:])
    assert summary["ok"] is True
    assert summary["steps"] == ["catalogue", "apq", "logIn", "subscriptions", "enrolment"]
    assert summary["catalogue"]["courses"] == 5
    apq = summary["apq"]
    # The first run: the hash alone is unknown, so the query is sent with it and stored.
    assert apq["firstRun"] == ["hash -> PERSISTED_QUERY_NOT_FOUND", "hash+query -> data"]
    # The second: the hash alone is enough.
    assert apq["secondRun"] == ["hash -> data"]
    assert apq["hit"] is True
    assert len(apq["hash"]) == 64
    assert summary["signedIn"]["email"] == "student@leeto.dev"
    enrolment = summary["enrolment"]
    assert (enrolment["enrolled"], enrolment["cancelled"]) == ("ACTIVE", "CANCELLED")
    assert enrolment["seatsLeftBefore"] > 0

    live = summary["subscriptions"]
    assert live["url"] == f"{live_server.url}/graphql".replace("http://", "ws://", 1)
    assert live["sessionId"] == enrolment["sessionId"]
    current = live["current"]
    assert current["reason"] == "CURRENT"
    assert current["seatsLeft"] == enrolment["seatsLeftBefore"]
    # Each change is pushed with a higher version and the state HTTP reads back.
    enrolled, cancelled = live["afterEnrol"], live["afterCancel"]
    assert enrolled["pushed"] == {
        "version": enrolled["pushed"]["version"],
        "seatsLeft": current["seatsLeft"] - 1,
        "waitlistLength": current["waitlistLength"],
        "reason": "ENROLLED",
    }
    assert cancelled["pushed"] == {
        "version": cancelled["pushed"]["version"],
        "seatsLeft": current["seatsLeft"],
        "waitlistLength": current["waitlistLength"],
        "reason": "CANCELLED_BY_USER",
    }
    assert current["version"] < enrolled["pushed"]["version"] < cancelled["pushed"]["version"]
    for change in (enrolled, cancelled):
        assert change["match"] is True
        assert change["overHttp"] == {
            "seatsLeft": change["pushed"]["seatsLeft"],
            "waitlistLength": change["pushed"]["waitlistLength"],
        }
    assert live["viewerUpdates"] == [["ENROLLED", "ACTIVE"], ["CANCELLED_BY_USER", "CANCELLED"]]

    # Run again: every operation is now known by its hash, and the student may
    # enrol again in a session whose earlier enrolment was cancelled.
    code, again, stderr = _run(node, f"{live_server.url}/graphql")
    assert code == 0, (again, stderr[-2000:])
    assert again["apq"]["firstRun"] == ["hash -> data"]
    assert again["steps"] == summary["steps"]
    # Two catalogues, log-in, sessions, enrol, seats, cancel, seats: subscriptions
    # went over the WebSocket, not HTTP.
    assert again["requests"] == 8

    # A refused log-in fails the run, with the step named.
    code, refused, _ = _run(node, f"{live_server.url}/graphql", LEETO_PASSWORD="not-the-password")
    assert code == 1
    assert refused["ok"] is False
    assert refused["failedStep"] == "logIn"
    assert "InvalidCredentials" in refused["error"]


@pytest.mark.parametrize("url", ["not a url", f"http://127.0.0.1:{free_port()}/graphql"])
def test_apollo_client_fails_without_a_server(node: str, url: str) -> None:
    code, summary, _ = _run(node, url)
    assert code == 1
    assert summary["ok"] is False
    assert summary["failedStep"] in {"setup", "catalogue"}
