"""The query cost limit: big enough for real pages, refuses alias floods."""

from __future__ import annotations

import pytest
from graphql import parse
from starlette.testclient import TestClient

from resolvers.pagination import MAX_FIRST
from schema.build import build_schema
from schema.cost import operation_cost, page_defaults
from tests.graphql_client import gql
from tests.operations import operation

DEFAULTS = page_defaults(build_schema()._schema)


def cost(query: str, **variables: object) -> int:
    return operation_cost(parse(query), None, variables, DEFAULTS)


def test_costs_count_objects_per_page() -> None:
    assert cost("{ campuses { id } }") == 1
    assert cost("{ courses(first: 3) { edges { node { id } } } }") == 3 + 3 + 3
    nested = "{ courses(first: 2) { edges { node { sessions(first: 4) { edges { cursor } } } } } }"
    assert cost(nested) == 2 + 2 + 2 + 8 + 8
    # Defaults apply when `first` is left out; variables are read.
    assert cost("{ courses { pageInfo { hasNextPage } } }") == 20 + 20
    assert cost("query($n: Int!) { courses(first: $n) { pageInfo { endCursor } } }", n=7) == 14


def test_fragments_and_aliases_count() -> None:
    query = """{ a: courses(first: 5) { ...Page } b: courses(first: 5) { ...Page } }
      fragment Page on CourseConnection { edges { node { id } } }"""
    assert cost(query) == 2 * (5 + 5 + 5)


def test_the_catalogue_page_fits(seeded_client: TestClient) -> None:
    body = gql(seeded_client, operation("catalogue_page"), {"first": 100})
    assert "errors" not in body


def test_alias_floods_are_refused(seeded_client: TestClient) -> None:
    page = "courses(first: 100) { edges { node { sessions(first: 100) { edges { cursor } } } } }"
    flood = "{ " + " ".join(f"a{i}: {page}" for i in range(10)) + " }"
    body = gql(seeded_client, flood)
    assert body["data"] is None
    error = body["errors"][0]
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert error["extensions"]["cost"] > 25_000


PAGE = "courses(first: $n) { pageInfo { endCursor } }"


def test_declared_defaults_count() -> None:
    assert cost(f"query($n: Int = 7) {{ {PAGE} }}") == 14
    # The request's value wins over the default.
    assert cost(f"query($n: Int = 7) {{ {PAGE} }}", n=3) == 6


def test_integral_floats_count_as_integers() -> None:
    assert cost(f"query($n: Int) {{ {PAGE} }}", n=100.0) == 200


@pytest.mark.parametrize("value", [None, "100", 12.5, True, {"x": 1}])
def test_unknown_page_sizes_are_priced_at_the_maximum(value: object) -> None:
    given = {} if value is None else {"n": value}
    assert cost(f"query($n: Int) {{ {PAGE} }}", **given) == 2 * MAX_FIRST


def test_negative_pages_do_not_pay_for_others() -> None:
    query = """{ a: courses(first: -100000) { pageInfo { endCursor } }
                 b: courses(first: 100) { pageInfo { endCursor } } }"""
    assert cost(query) == 200


def test_listed_ids_count_one_object_each() -> None:
    ids = ", ".join(f'"{i}"' for i in range(30))
    assert cost(f"{{ nodes(ids: [{ids}]) {{ id }} }}") == 30
    assert cost("query($i: [ID!]!) { nodes(ids: $i) { id } }", i=["a", "b"]) == 2


def test_last_is_priced_like_first() -> None:
    assert cost("{ courses(last: 3) { edges { node { id } } } }") == 3 + 3 + 3
    nested = "{ courses(last: 2) { edges { node { reviews(last: 4) { edges { cursor } } } } } }"
    assert cost(nested) == 2 + 2 + 2 + 8 + 8
    assert cost("query($n: Int) { courses(last: $n) { pageInfo { endCursor } } }", n=7) == 14
    assert cost("query($n: Int) { courses(last: $n) { pageInfo { endCursor } } }") == 200
    # `before` alone pages backward at the default size; `first` with `last` counts the larger.
    assert cost('{ courses(before: "x") { pageInfo { endCursor } } }') == 20 + 20
    assert cost("{ courses(first: 1, last: 90) { pageInfo { endCursor } } }") == 90 + 90
    assert cost('{ course(slug: "x") { sessions { edges { cursor } } } }') == 1 + 10 + 10


def test_last_floods_are_refused(seeded_client: TestClient) -> None:
    page = "courses(last: 100) { edges { node { sessions(last: 100) { edges { cursor } } } } }"
    flood = "{ " + " ".join(f"a{i}: {page}" for i in range(10)) + " }"
    body = gql(seeded_client, flood)
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
