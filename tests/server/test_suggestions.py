"""Without introspection, no error message suggests names from the schema."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.settings import Settings
from tests.graphql_client import gql

# Each misspells a field, an argument, a type or an enum value, in the document
# (refused by validation) or in a variable (refused while executing).
MISSPELLED: list[tuple[str, dict[str, object]]] = [
    ("{ coursez { id } }", {}),
    ("{ courses(frist: 1) { edges { cursor } } }", {}),
    ("{ courses(first: 1, orderBy: TITEL) { edges { cursor } } }", {}),
    ("query($o: CourseOrdr) { courses(first: 1, orderBy: $o) { edges { cursor } } }", {}),
    (
        "query($o: CourseOrder) { courses(first: 1, orderBy: $o) { edges { cursor } } }",
        {"o": "TITEL"},
    ),
    (
        "query($f: CourseFilter) { courses(first: 1, filter: $f) { edges { cursor } } }",
        {"f": {"trak": "CLOUD_COMPUTING"}},
    ),
]


@pytest.fixture(scope="module")
def no_introspection(
    make_settings: Callable[..., Settings], seeded_settings: Settings
) -> Iterator[TestClient]:
    settings = make_settings(seeded_settings.database_name, introspection=False)
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.mark.parametrize(("query", "variables"), MISSPELLED)
def test_suggestions_are_left_out_without_introspection(
    no_introspection: TestClient,
    seeded_client: TestClient,
    query: str,
    variables: dict[str, object],
) -> None:
    # With introspection on, the same mistake is met with a suggestion.
    helpful = gql(seeded_client, query, variables)["errors"]
    assert any("Did you mean" in e["message"] for e in helpful), helpful
    errors = gql(no_introspection, query, variables)["errors"]
    assert errors
    for error in errors:
        assert "Did you mean" not in error["message"]
        assert error["extensions"]["code"] in {"GRAPHQL_VALIDATION_FAILED", "BAD_USER_INPUT"}
