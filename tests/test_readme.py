"""The README stays true: every setting documented, the two commands named."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from graphql import (
    DocumentNode,
    NonNullTypeNode,
    OperationDefinitionNode,
    OperationType,
    parse,
    print_ast,
    validate,
)
from starlette.testclient import TestClient

from resolvers.global_ids import from_global_id
from schema.build import build_schema
from server.demo.build import DEMO_ADMIN, DEMO_INSTRUCTOR, DEMO_STUDENT, build_demo
from server.settings import Settings, variable_name
from tests.graphql_client import gql

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
SCHEMA = build_schema()._schema


def test_every_setting_is_documented() -> None:
    missing = []
    for name in Settings.model_fields:
        variable = variable_name(name)
        if f"`{variable}`" not in README:
            missing.append(variable)
    assert missing == []


def test_the_two_commands_are_the_ones_ci_runs() -> None:
    assert "make run" in README
    assert "make test" in README
    ci = (Path(__file__).resolve().parents[1] / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci


# --- The README's examples run as pasted against the demo data -----------------------

EXAMPLES = re.findall(r"```graphql\n(.*?)```", README, flags=re.DOTALL)
OPERATIONS = [
    definition
    for block in EXAMPLES
    for definition in parse(block).definitions
    if isinstance(definition, OperationDefinitionNode)
]
# Queries that need a particular account; the others run as the demo student.
SIGNED_IN_AS = {"ClassList": DEMO_INSTRUCTOR, "DeadLetters": DEMO_ADMIN}


def _name(operation: OperationDefinitionNode) -> str:
    return operation.name.value if operation.name else f"anonymous {operation.operation.value}"


def test_the_readme_has_examples() -> None:
    assert len(OPERATIONS) > 20


@pytest.mark.parametrize("operation", OPERATIONS, ids=_name)
def test_every_example_is_valid_and_needs_no_variables(operation: OperationDefinitionNode) -> None:
    errors = validate(SCHEMA, DocumentNode(definitions=(operation,)))
    assert errors == [], [e.message for e in errors]
    required = [
        v.variable.name.value
        for v in operation.variable_definitions or ()
        if isinstance(v.type, NonNullTypeNode) and v.default_value is None
    ]
    assert required == [], f"{_name(operation)} needs variables the reader must find"


def test_every_id_in_the_examples_is_in_the_demo_data() -> None:
    demo = build_demo(42)
    ids = {
        "Campus": {d["_id"] for d in demo.campuses},
        "Course": {d["_id"] for d in demo.courses},
        "Session": {d["_id"] for d in demo.sessions},
        "Enrollment": {d["_id"] for d in demo.enrollments},
        "Review": {d["_id"] for d in demo.reviews},
        "User": {u.doc["_id"] for u in demo.users},
    }
    literals = {m for block in EXAMPLES for m in re.findall(r'"([A-Za-z0-9_-]{30,64})"', block)}
    assert literals, "no IDs in the examples?"
    for literal in literals:
        parsed = from_global_id(literal)
        assert parsed.id in ids[parsed.type_name], f"{literal} is not in the demo data"


def _token(client: TestClient, email: str) -> str:
    log_in = next(print_ast(o) for o in OPERATIONS if "userLogIn" in print_ast(o))
    body = gql(client, log_in.replace(DEMO_STUDENT, email))
    assert body["data"]["userLogIn"]["__typename"] == "AuthPayload", body
    token: str = body["data"]["userLogIn"]["accessToken"]
    return token


def test_every_example_query_answers_without_errors(seeded_client: TestClient) -> None:
    tokens = {
        email: _token(seeded_client, email) for email in (DEMO_STUDENT, DEMO_INSTRUCTOR, DEMO_ADMIN)
    }
    queries = [o for o in OPERATIONS if o.operation is OperationType.QUERY]
    assert len(queries) >= 6
    for operation in queries:
        as_user = SIGNED_IN_AS.get(_name(operation), DEMO_STUDENT)
        body = gql(seeded_client, print_ast(operation), token=tokens[as_user])
        assert "errors" not in body, (_name(operation), body["errors"])
        assert body["data"], _name(operation)
