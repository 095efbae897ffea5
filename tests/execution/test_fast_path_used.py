"""The differential tests compare two different executors: queries on the fast
app run from compiled plans, on the other app through graphql-core's executor;
what the plans leave out (mutations, introspection) still runs, and alike."""

from __future__ import annotations

from typing import Any

from starlette.routing import Route
from starlette.testclient import TestClient

from execution.executor import FastExecutor
from tests.execution.conftest import Twins
from tests.operations import operation


def schema_of(client: TestClient) -> Any:
    app: Any = client.app
    [route] = [r for r in app.routes if isinstance(r, Route) and r.path == "/graphql"]
    return route.endpoint.app.schema


def test_only_the_fast_app_compiles_plans(twins: Twins) -> None:
    fast = schema_of(twins.fast).execution_context_class
    standard = schema_of(twins.standard).execution_context_class
    assert issubclass(fast, FastExecutor)
    assert not issubclass(standard, FastExecutor)
    query = operation("catalogue_page") + "\n# a text of its own, so a plan of its own\n"
    before = len(fast.plans)
    fast_body, standard_body = twins.both(query, {"first": 3})
    assert fast_body == standard_body
    assert len(fast.plans) == before + 1
    twins.both(query, {"first": 4})  # the same document: the plan is reused
    assert len(fast.plans) == before + 1


def test_a_mutation_runs_on_the_standard_path_alike(twins: Twins) -> None:
    mutation = """mutation Refresh { tokenRefresh(input: {refreshToken: "nonsense"}) {
      __typename ... on AuthPayload { accessToken } } }"""
    fast_body, standard_body = twins.both(mutation)
    assert fast_body == standard_body
    assert fast_body["data"]["tokenRefresh"]["__typename"] == "InvalidToken"
