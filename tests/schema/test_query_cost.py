"""The query cost limit: big enough for real pages, refuses alias floods."""

from __future__ import annotations

from graphql import parse
from starlette.testclient import TestClient

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
