"""schema.graphql is the contract: it must match the code."""

from __future__ import annotations

from pathlib import Path

from schema.build import schema_sdl
from tests.cli import run_leeto

ROOT = Path(__file__).resolve().parents[2]


def test_committed_schema_matches_the_code() -> None:
    committed = (ROOT / "schema.graphql").read_text(encoding="utf-8")
    assert committed == schema_sdl(), "schema.graphql is stale: run `leeto export-schema`"


def test_export_schema_writes_the_sdl(tmp_path: Path) -> None:
    target = tmp_path / "out.graphql"
    result = run_leeto("export-schema", "--output", str(target))
    assert result.returncode == 0, result.stderr
    assert target.read_text(encoding="utf-8") == schema_sdl()


def test_every_type_and_field_is_described() -> None:
    from graphql import GraphQLObjectType, build_schema

    parsed = build_schema(schema_sdl())
    missing = []
    for name, graphql_type in parsed.type_map.items():
        if name.startswith("__") or not isinstance(graphql_type, GraphQLObjectType):
            continue
        if not graphql_type.description:
            missing.append(name)
        missing += [
            f"{name}.{field}"
            for field, definition in graphql_type.fields.items()
            if not definition.description
        ]
    assert missing == []
