"""Query documents to run through both executors: the suite's, the README's, and
hand-written ones for what they might miss (errors, nulls, fragments, directives)."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    NonNullTypeNode,
    OperationDefinitionNode,
    OperationType,
    parse,
    print_ast,
    validate,
)

TESTS = Path(__file__).resolve().parents[1]
ROOT = TESTS.parent


@dataclass(frozen=True)
class Case:
    name: str
    query: str
    variables: dict[str, Any] = field(default_factory=dict)
    # graphql-core lists errors in the order they are raised; for errors raised
    # concurrently in different branches (private fields of many list items),
    # that order follows which MongoDB reply arrives first, and two runs of
    # graphql-core itself can differ. Such cases compare the errors as a set.
    error_order_may_differ: bool = False


def operation_file_cases() -> list[Case]:
    cases = []
    for path in sorted((TESTS / "operations").glob("*.graphql")):
        text = path.read_text(encoding="utf-8")
        for first in (1, 20, 100):
            variables = {"first": first, "slug": KNOWN_VARIABLES["slug"]}
            cases.append(Case(f"{path.stem}-{first}", text, variables))
    return cases


def readme_cases(schema: GraphQLSchema) -> list[Case]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```graphql\n(.*?)```", readme, flags=re.DOTALL)
    return [case for block in blocks for case in _query_cases("readme", block, schema)]


def suite_cases(schema: GraphQLSchema) -> list[Case]:
    """Every string constant in the test modules that is a valid query document."""
    cases = []
    for path in sorted(TESTS.rglob("*.py")):
        if "execution" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value
                if "{" not in text or len(text) > 20_000:
                    continue
                label = f"{path.relative_to(TESTS)}:{node.lineno}"
                cases.extend(_query_cases(label, text, schema))
    unique = {(case.query, repr(case.variables)): case for case in cases}
    return list(unique.values())


def _query_cases(label: str, text: str, schema: GraphQLSchema) -> list[Case]:
    try:
        document = parse(text)
    except GraphQLError:
        return []
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = [d for d in document.definitions if not isinstance(d, OperationDefinitionNode)]
    cases = []
    for operation in operations:
        if operation.operation is not OperationType.QUERY:
            continue
        single = DocumentNode(definitions=(operation, *fragments))
        if validate(schema, single):
            continue
        variables = _variables_for(operation)
        if variables is None:
            continue
        name = operation.name.value if operation.name else "anonymous"
        cases.append(Case(f"{label}:{name}", print_ast(single), variables))
    return cases


# Values for the required variables the suite's documents use.
KNOWN_VARIABLES: dict[str, Any] = {"first": 5, "last": 3, "slug": "python-foundations"}


def _variables_for(operation: OperationDefinitionNode) -> dict[str, Any] | None:
    values = {}
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        if isinstance(definition.type, NonNullTypeNode) and definition.default_value is None:
            if name not in KNOWN_VARIABLES:
                return None
            values[name] = KNOWN_VARIABLES[name]
    return values


# Written for the fast path's corners; IDs are filled in from the demo data.
HAND_WRITTEN = """
query Everything($first: Int, $skipTitle: Boolean!, $withReviews: Boolean!) {
  a: courses(first: $first) { totalCount pageInfo { hasNextPage hasPreviousPage
      startCursor endCursor }
    edges { cursor node { __typename ...CourseFields title @skip(if: $skipTitle)
      reviews(first: 2) @include(if: $withReviews) { edges { node { ...ReviewFields } } } } } }
  b: courses(first: 2, orderBy: PRICE_LOW_TO_HIGH) { edges { node { slug priceCents } } }
  campuses { __typename id name city province address }
}
fragment CourseFields on Course {
  id slug summary track level tags priceCents durationHours reviewCount ratingAverage
  createdAt published archivedAt
  instructors { id displayName bio city roles email phone }
  sessions(first: 3) { totalCount edges { node { id mode startsAt endsAt capacity seatsLeft
    waitlistLength cancelledAt meetingUrl viewerEnrollmentStatus
    viewerEnrollment { id status } campus { name } instructor { displayName }
    course { slug } } } }
}
fragment ReviewFields on Review { id rating comment createdAt updatedAt
  author { displayName ... on User { city nationalId dateOfBirth } } course { title } }

query Nodes($ids: [ID!]!) {
  nodes(ids: $ids) { __typename id
    ... on Course { slug title }
    ... on Session { mode meetingUrl enrollments(first: 3) { totalCount
      edges { node { status waitlistPosition user { displayName email } } } } }
    ... on User { displayName email phone nationalId dateOfBirth
      enrollments(first: 2) { edges { node { status session { id } } } }
      teaching(first: 2) { edges { node { slug } } } }
    ... on Review { rating author { id } }
    ... on Campus { city }
    ... on Enrollment { status session { mode } user { displayName } }
    ... on Node { id }
  }
}

query OneNode($id: ID!) {
  node(id: $id) { id ... on Course { title x: title y: slug } ... on Session { course { id } } }
}

query Viewer {
  viewer { id displayName roles email phone nationalId dateOfBirth
    enrollments(first: 5) { totalCount edges { node { id status waitlistPosition createdAt
      updatedAt cancelledAt session { id meetingUrl course { title } } } } }
    teaching(first: 5) { totalCount edges { node { slug published archivedAt } } } }
}

query Users($role: Role) {
  users(first: 5, role: $role) { totalCount edges { node { displayName email roles } } }
}

query BadArguments {
  tooMany: courses(first: 500) { edges { node { id } } }
  both: courses(first: 2, last: 2) { edges { node { id } } }
  badCursor: courses(first: 2, after: "not-a-cursor") { edges { node { id } } }
  missing: course(slug: "no-such-course") { id }
  badId: node(id: "nonsense") { id }
}

query BatchedErrors($n: Int!, $after: String) {
  courses(first: 4) { edges { node { id
    sessions(first: 500) { edges { node { id } } }
    reviews(first: $n, last: 2) { edges { node { id } } }
    later: sessions(first: $n, after: $after) { edges { node { id seatsLeft } } }
    instructors { id }
  } } }
}

query Introspection {
  __typename
  __schema { queryType { name } }
  __type(name: "Course") { name fields { name } }
}

query BySlug($slug: String!) {
  course(slug: $slug) { __typename id title
    sessions(first: 100, upcoming: true) { edges { cursor node { id seatsLeft } } }
    reviews(last: 5) { pageInfo { hasPreviousPage } edges { node { rating } } } }
}
"""


def hand_written_cases(ids: dict[str, list[str]], slug: str) -> list[Case]:
    every_id = [i for kind in sorted(ids) for i in ids[kind][:3]]
    definitions = parse(HAND_WRITTEN).definitions
    fragments = [d for d in definitions if not isinstance(d, OperationDefinitionNode)]
    documents = {
        d.name.value: print_ast(
            DocumentNode(definitions=(d, *(fragments if d.name.value == "Everything" else ())))
        )
        for d in definitions
        if isinstance(d, OperationDefinitionNode) and d.name is not None
    }

    def case(name: str, variables: dict[str, Any]) -> Case:
        return Case(name, documents[name.split("-")[0]], variables, error_order_may_differ=True)

    cases = [
        case("Everything-plain", {"first": 5, "skipTitle": False, "withReviews": True}),
        case("Everything-skipping", {"first": 3, "skipTitle": True, "withReviews": False}),
        case("Everything-full", {"first": 100, "skipTitle": False, "withReviews": True}),
        case("Nodes-all", {"ids": [*every_id, "bm90LWFuLWlk", every_id[0]]}),
        case("Viewer-", {}),
        case("Users-all", {}),
        case("Users-students", {"role": "STUDENT"}),
        case("BadArguments-", {}),
        case("Introspection-", {}),
        case("BySlug-", {"slug": slug}),
        case("BySlug-missing", {"slug": "nothing-here"}),
    ]
    cases += [case(f"OneNode-{i}", {"id": node_id}) for i, node_id in enumerate(every_id)]
    # A batched field failing for every parent at once: the errors in the same order.
    batched = documents["BatchedErrors"]
    cases += [
        Case("BatchedErrors-bad", batched, {"n": 3, "after": "not-a-cursor"}),
        Case("BatchedErrors-good", batched, {"n": 1, "after": None}),
    ]
    return cases
