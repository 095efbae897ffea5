"""Schemathesis against `leeto serve` in development mode: every query and mutation
of schema.graphql, with generated arguments and selections, anonymous and signed in.

No answer may be a 5xx, and every error must carry an `extensions.code` other
than INTERNAL_SERVER_ERROR. The server runs over demo data of its own, seeded
for this test alone: the mutations write to it (sign-ups, reviews, deleted
accounts) and nothing else reads it. A fixed seed and a bounded number of
examples per operation keep the run repeatable and short.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from schemathesis import APIOperation, Case

from server.demo.build import DEMO_PASSWORD, DEMO_STUDENT
from server.seed import seed_database
from server.settings import Settings
from tests.cli import ROOT, leeto_env
from tests.conftest import with_database
from tests.serving import Served, serving_process

SEED = 20261125
EXAMPLES_PER_OPERATION = 25

SCHEMA = schemathesis.graphql.from_path(ROOT / "schema.graphql")
OPERATIONS: list[APIOperation] = [result.ok() for result in SCHEMA.get_all_operations()]
# Signed out first: a signed-in run of userDeleteAccount may end the demo student.
RUNS = [
    pytest.param(operation, signed_in, id=f"{operation.label}-{'student' if signed_in else 'anon'}")
    for signed_in in (False, True)
    for operation in OPERATIONS
]

LOG_IN = """
mutation LogIn($email: String!, $password: String!) {
  userLogIn(input: { email: $email, password: $password }) {
    __typename
    ... on AuthPayload { accessToken }
  }
}
"""


@pytest.fixture(scope="module")
def fuzzed_server(
    mongo_uri: str, data_dir: Path, make_settings: Callable[..., Settings]
) -> Iterator[Served]:
    name = f"leeto_fuzz_{uuid.uuid4().hex[:12]}"
    asyncio.run(seed_database(make_settings(name), seed=42))
    env = leeto_env(
        LEETO_ENV="development",
        MONGODB_URI=with_database(mongo_uri, name),
        LEETO_DATA_DIR=str(data_dir),
        LEETO_ARGON2_MEMORY_KIB="8192",
        LEETO_ARGON2_TIME_COST="1",
        LEETO_RATE_LIMIT_POINTS="0",
        LEETO_LOG_LEVEL="warning",
    )
    with serving_process(env) as served:
        yield served


@pytest.fixture(scope="module")
def student_token(fuzzed_server: Served) -> str:
    body = httpx.post(
        f"{fuzzed_server.url}/graphql",
        json={"query": LOG_IN, "variables": {"email": DEMO_STUDENT, "password": DEMO_PASSWORD}},
        timeout=30,
    ).json()
    assert body["data"]["userLogIn"]["__typename"] == "AuthPayload", body
    token: str = body["data"]["userLogIn"]["accessToken"]
    return token


def check_answer(status: int, body: Any, query: str) -> None:
    """No 5xx; every error has a code, and none is INTERNAL_SERVER_ERROR."""
    assert status < 500, f"{status} for\n{query}\n{body}"
    assert isinstance(body, dict), f"not a GraphQL response for\n{query}\n{body}"
    for error in body.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        assert code, f"an error without a code for\n{query}\n{error}"
        assert code != "INTERNAL_SERVER_ERROR", f"{error} for\n{query}"


@pytest.mark.parametrize(("operation", "signed_in"), RUNS)
def test_generated_operations_answer_without_server_errors(
    fuzzed_server: Served, student_token: str, operation: APIOperation, signed_in: bool
) -> None:
    endpoint = f"{fuzzed_server.url}/graphql"
    headers = {"Authorization": f"Bearer {student_token}"} if signed_in else {}

    @seed(SEED)
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def fuzz(case: Case) -> None:
        response = case.call(base_url=endpoint, headers=headers, timeout=30)
        check_answer(response.status_code, response.json(), str(case.body))

    fuzz()
