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
from tests.server.test_metrics import samples


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


def field_batches(client: TestClient) -> dict[str, tuple[float, float]]:
    """(calls, parents) of every batched field so far, by coordinate."""
    found = samples(client)
    batches: dict[str, tuple[float, float]] = {}
    for (name, labels), value in found.items():
        loader = dict(labels).get("loader", "")
        if "." not in loader:
            continue  # a DataLoader class, not a field
        calls, parents = batches.get(loader, (0.0, 0.0))
        if name == "leeto_dataloader_batch_size_count":
            calls = value
        elif name == "leeto_dataloader_batch_size_sum":
            parents = value
        batches[loader] = (calls, parents)
    return batches


def test_batched_fields_meet_every_parent_in_one_call(twins: Twins) -> None:
    """A page of 20 courses: the fast path calls each batched field once, with
    all its parents; graphql-core's executor gathers the same parents through
    the field's DataLoader."""
    query = operation("catalogue_page")
    before = {"fast": field_batches(twins.fast), "standard": field_batches(twins.standard)}
    fast_body, standard_body = twins.both(query, {"first": 20})
    assert fast_body == standard_body
    courses = [edge["node"] for edge in fast_body["data"]["courses"]["edges"]]
    sessions = [edge["node"] for course in courses for edge in course["sessions"]["edges"]]
    reviews = [edge["node"] for course in courses for edge in course["reviews"]["edges"]]
    assert len(courses) == 20
    assert sessions
    assert reviews
    expected = {
        "Course.instructors": len(courses),
        "Course.sessions": len(courses),
        "Course.reviews": len(courses),
        "Session.campus": len(sessions),
        "Session.instructor": len(sessions),
        "Session.seatsLeft": len(sessions),
        "Review.author": len(reviews),
    }
    for app, client in (("fast", twins.fast), ("standard", twins.standard)):
        after = field_batches(client)
        for coordinate, parents in expected.items():
            calls_before, parents_before = before[app].get(coordinate, (0.0, 0.0))
            calls, total = after[coordinate]
            assert total - parents_before == parents, (app, coordinate)
            if app == "fast":
                assert calls - calls_before == 1, coordinate
