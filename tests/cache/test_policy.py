"""Cache policies are computed from the document and the schema alone (Apollo's rules)."""

from __future__ import annotations

import pytest
from graphql import parse

from cache.hints import CacheScope
from cache.policy import CachePolicy, Policies, compute_policy
from schema.build import build_schema

SCHEMA = build_schema()._schema


def policy(query: str) -> CachePolicy:
    return compute_policy(SCHEMA, parse(query), None, 60)


def test_public_catalogue_data_takes_the_default_max_age() -> None:
    found = policy(
        "{ courses(first: 5) { totalCount edges { node { title instructors { displayName } } } } }"
    )
    assert (found.max_age, found.scope) == (60, CacheScope.PUBLIC)
    # Lists name their types, so writes that add or reorder purge them.
    assert {"Course", "User"} <= found.tags


def test_the_least_max_age_wins() -> None:
    found = policy('{ course(slug: "x") { title sessions { edges { node { seatsLeft } } } } }')
    assert (found.max_age, found.scope) == (30, CacheScope.PUBLIC)
    assert {"Course", "Session"} <= found.tags


@pytest.mark.parametrize(
    "query",
    [
        "{ viewer { displayName } }",
        "{ courses { edges { node { sessions { edges { node { viewerEnrollmentStatus } } } } } } }",
        # Fields guarded by a permission are private without a hint.
        '{ course(slug: "x") { instructors { email } } }',
        "{ users(first: 5) { edges { node { displayName } } } }",
    ],
)
def test_a_viewer_dependent_field_makes_the_response_private(query: str) -> None:
    assert policy(query).scope is CacheScope.PRIVATE


def test_fragments_and_inline_fragments_count_like_fields() -> None:
    found = policy(
        """
        query Q($id: ID!) { node(id: $id) { ...S ... on Course { title } } }
        fragment S on Session { viewerEnrollment { status } }
        """
    )
    assert found.scope is CacheScope.PRIVATE
    assert {"Course", "Session", "User"} <= found.tags  # what `node` may return


@pytest.mark.parametrize(
    "query",
    [
        "{ __typename }",  # a root field without a hint
        "{ __schema { queryType { name } } }",
        '{ courses { edges { node { title } } } __type(name: "Course") { name } }',
        'mutation M { userLogOut(input: {refreshToken: "x"}) { __typename } }',
    ],
)
def test_not_cacheable(query: str) -> None:
    assert not policy(query).cacheable


def test_policies_are_computed_once_per_document() -> None:
    policies = Policies(default_max_age=60, maxsize=2)
    text = "{ campuses { name } }"
    first = policies.policy(SCHEMA, text, parse(text), None)
    assert policies.policy(SCHEMA, text, parse(text), None) is first
    for other in ("{ campuses { id } }", "{ campuses { city } }"):
        policies.policy(SCHEMA, other, parse(other), None)
    assert policies.policy(SCHEMA, text, parse(text), None) is not first  # evicted
