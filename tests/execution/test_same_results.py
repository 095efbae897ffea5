"""The fast executor answers every query exactly as graphql-core's executor does:
the same `data` and the same errors (message, path, locations, extensions), in
the same order, for every kind of viewer."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import StringValueNode
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import queries

from schema.build import build_schema
from tests.execution.conftest import VIEWERS, Twins
from tests.execution.corpus import (
    Case,
    hand_written_cases,
    operation_file_cases,
    readme_cases,
    suite_cases,
)

SCHEMA = build_schema()._schema
STATIC_CASES = operation_file_cases() + readme_cases(SCHEMA) + suite_cases(SCHEMA)

IDS_QUERY = """{
  campuses { id }
  courses(first: 6) { edges { node { id slug
    sessions(first: 2) { edges { node { id } } }
    reviews(first: 2) { edges { node { id author { id } } } } } } }
  viewer { enrollments(first: 3) { edges { node { id } } } }
}"""


def assert_same(twins: Twins, case: Case, viewer: str) -> dict[str, Any]:
    fast, standard = twins.both(case.query, case.variables, viewer=viewer)
    if case.error_order_may_differ:
        assert fast["data"] == standard["data"], f"{case.name} as {viewer}"
        assert sorted(map(repr, fast.get("errors") or ())) == sorted(
            map(repr, standard.get("errors") or ())
        ), f"{case.name} as {viewer}"
        return fast
    assert fast == standard, f"{case.name} as {viewer}"
    return fast


def test_the_corpus_covers_the_suite() -> None:
    names = {case.name for case in STATIC_CASES}
    assert any(name.startswith("catalogue_page") for name in names)
    assert sum(name.startswith("readme") for name in names) >= 8
    assert len(STATIC_CASES) > 40


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("case", STATIC_CASES, ids=lambda case: case.name)
def test_suite_and_readme_queries(twins: Twins, case: Case, viewer: str) -> None:
    assert_same(twins, case, viewer)


@pytest.fixture(scope="module")
def demo_ids(twins: Twins) -> tuple[dict[str, list[str]], str]:
    body, _ = twins.both(IDS_QUERY, viewer="student")
    data = body["data"]
    courses = [edge["node"] for edge in data["courses"]["edges"]]
    sessions = [e["node"]["id"] for c in courses for e in c["sessions"]["edges"]]
    reviews = [e["node"] for c in courses for e in c["reviews"]["edges"]]
    ids = {
        "campus": [c["id"] for c in data["campuses"]],
        "course": [c["id"] for c in courses],
        "session": sessions,
        "review": [r["id"] for r in reviews],
        "user": [r["author"]["id"] for r in reviews],
        "enrollment": [e["node"]["id"] for e in data["viewer"]["enrollments"]["edges"]],
    }
    assert all(ids.values()), ids
    return ids, courses[0]["slug"]


def test_hand_written_corners(twins: Twins, demo_ids: tuple[dict[str, list[str]], str]) -> None:
    ids, slug = demo_ids
    errors_seen: set[str] = set()
    nulls_in_data = 0
    for case in hand_written_cases(ids, slug):
        for viewer in VIEWERS:
            body = assert_same(twins, case, viewer)
            errors_seen |= {e["extensions"]["code"] for e in body.get("errors") or ()}
            nulls_in_data += str(body.get("data")).count("None")
    # The corners were reached: refusals of every kind queries meet (a missing object
    # is a null, not an error), and nulls in the data.
    assert {"FORBIDDEN", "UNAUTHENTICATED", "BAD_USER_INPUT"} <= errors_seen, errors_seen
    assert nulls_in_data > 0


# Generated queries over the whole schema, with values for its custom scalars.
DATES = st.dates().map(lambda d: StringValueNode(value=d.isoformat()))
DATETIMES = st.datetimes().map(lambda d: StringValueNode(value=d.isoformat() + "Z"))
GENERATED = queries(SCHEMA, custom_scalars={"Date": DATES, "DateTime": DATETIMES})


@settings(
    max_examples=150,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(query=GENERATED, viewer=st.sampled_from(VIEWERS))
def test_generated_queries(twins: Twins, query: str, viewer: str) -> None:
    assert_same(twins, Case("generated", query, error_order_may_differ=True), viewer)
