"""The document checks: linear in the document, and the same verdicts as the
limiters they replace."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import parse, validate
from strawberry.extensions.max_aliases import create_validator as alias_validator
from strawberry.extensions.query_depth_limiter import create_validator as depth_validator

from bench.attacks import fragment_fanout, nested_fanout
from schema.build import build_schema
from schema.cost import operation_cost, page_defaults, weigher_for
from schema.document_limits import (
    DocumentLimits,
    DocumentMeasure,
    TooLarge,
    document_errors,
)
from schema.fragments import dependency_order

SCHEMA = build_schema()._schema
DEFAULTS = page_defaults(SCHEMA)


def errors(query: str, variables: dict[str, object] | None = None, **limits: int) -> list[str]:
    found = document_errors(parse(query), None, variables or {}, DEFAULTS, DocumentLimits(**limits))
    return [f"{e.extensions['code']}: {e.message}" for e in found]  # type: ignore[index]


def test_each_fragment_is_measured_once() -> None:
    document = parse(fragment_fanout(300), max_tokens=None)
    fragments = {d.name.value: d for d in document.definitions if hasattr(d, "name") and d.name}
    measure = DocumentMeasure(fragments)  # type: ignore[arg-type]
    operation = document.definitions[0]
    shape = measure.measure(operation.selection_set)  # type: ignore[attr-defined]
    # One operation set, one `campuses` set, one per fragment: nothing walked twice.
    assert measure.selection_sets_walked == 2 + 301
    assert shape.fields == 1 + 2 * 2**300


def test_each_fragment_is_weighed_once() -> None:
    levels = 200
    fragments = ["fragment F0 on Course { sessions(first: 2) { edges { cursor } } }"]
    fragments += [f"fragment F{i} on Course {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, 201)]
    document = parse(
        f'{{ course(slug: "x") {{ ...F{levels} }} }} ' + " ".join(fragments), max_tokens=None
    )
    operation = document.definitions[0]
    weigher = weigher_for(document, operation, {}, DEFAULTS)  # type: ignore[arg-type]
    # course: 1; F0 per course: sessions 2, plus 2 times edges 1.
    assert weigher.weigh(operation.selection_set) == 1 + 4 * 2**levels  # type: ignore[attr-defined]
    assert weigher.fragments_weighed == levels + 1


def test_fragment_fan_out_is_refused_on_its_expanded_size() -> None:
    # Copies merged into one selection set make it too wide first.
    assert errors(fragment_fanout(12)) == [
        "GRAPHQL_VALIDATION_FAILED: A selection set holds over 64 fields; the limit is 64. "
        "Ask for each field once."
    ]
    # Copies under fields of their own make the document too big.
    assert errors(nested_fanout(12), max_depth=100, max_aliases=10**6) == [
        "QUERY_TOO_COMPLEX: This document has over 2000 fields once its fragments are "
        "expanded; the limit is 2000."
    ]
    assert errors(fragment_fanout(4)) == []  # 32 fields, all in one selection set


def test_measuring_stops_once_a_limit_is_passed() -> None:
    document = parse(nested_fanout(12), max_tokens=None)
    fragments = {d.name.value: d for d in document.definitions[1:]}  # type: ignore[attr-defined]
    with pytest.raises(TooLarge):
        DocumentMeasure(fragments, DocumentLimits())  # type: ignore[arg-type]
    measure = DocumentMeasure(fragments)  # type: ignore[arg-type]
    # F0: 2 fields; each level: twice (sessions, edges, node, course and the level below).
    assert measure.shapes["F12"].fields == 10 * 2**12 - 8


def test_fragment_cycles_end_the_walk() -> None:
    cyclic = "{ campuses { ...A } } fragment A on Campus { ...B } fragment B on Campus { ...A }"
    assert errors(cyclic) == [
        "GRAPHQL_VALIDATION_FAILED: Cannot spread fragment 'A' within itself."
    ]
    self_spread = "{ campuses { id } } fragment A on Campus { id ...A }"
    assert errors(self_spread)[0].startswith("GRAPHQL_VALIDATION_FAILED")


def test_selection_sets_count_fields_merged_from_fragments() -> None:
    fragment = "fragment Many on Campus { " + " ".join(f"f{i}: id" for i in range(20)) + " }"
    three = f"{{ campuses {{ ...Many ...Many ... on Campus {{ ...Many }} id }} }} {fragment}"
    assert errors(three, max_aliases=100, max_selection_fields=61) == []
    assert errors(three, max_aliases=100, max_selection_fields=60) == [
        "GRAPHQL_VALIDATION_FAILED: A selection set holds over 60 fields; the limit is 60. "
        "Ask for each field once."
    ]


DOCUMENTS = [
    "{ campuses { id } }",
    "{ a: campuses { id } b: campuses { c: city } }",
    "query Q { courses(first: 1) { edges { node { ...C } } } } "
    "fragment C on Course { x: slug sessions { edges { node { y: id course { ...D } } } } } "
    "fragment D on Course { z: id instructors { w: displayName } }",
    "{ courses(first: 1) { edges { node { ... on Course { sessions { edges { node { "
    "course { sessions { edges { node { id } } } } } } } } } } } }",
    "{ __schema { types { fields { type { ofType { ofType { name } } } } } } }",
    "query A { campuses { id } } query B { x: campuses { ...F } } fragment F on Campus { y: id }",
]


@pytest.mark.parametrize("document", DOCUMENTS)
@pytest.mark.parametrize("limit", [1, 2, 3, 5, 8])
def test_depth_and_aliases_agree_with_strawberrys_limiters(document: str, limit: int) -> None:
    parsed = parse(document)
    theirs_depth = bool(validate(SCHEMA, parsed, [depth_validator(limit, None)]))
    theirs_aliases = bool(validate(SCHEMA, parsed, [alias_validator(limit)]))
    ours = errors(document, max_depth=limit, max_aliases=limit, max_cost=10**9)
    assert any("depth" in e for e in ours) == theirs_depth
    assert any("aliases" in e for e in ours) == theirs_aliases


def _chain(length: int, *, closing: str = "id") -> str:
    fragments = [f"fragment F0 on Campus {{ {closing} }}"]
    fragments += [f"fragment F{i} on Campus {{ ...F{i - 1} }}" for i in range(1, length)]
    return f"{{ campuses {{ ...F{length - 1} }} }} " + " ".join(fragments)


def test_long_fragment_chains_need_no_deep_recursion() -> None:
    # Far more fragment levels than Python's recursion limit allows frames.
    assert errors(_chain(3000), max_spread_levels=5000, max_definitions=5000) == []
    operation = parse(_chain(3000), max_tokens=None)
    assert operation_cost(operation, None, {}, DEFAULTS) == 1


def test_cycles_at_the_end_of_long_chains_are_found() -> None:
    # F0 spreads F1999, which leads back to F0 through every other fragment.
    cyclic = _chain(2000, closing="...F1999")
    (error,) = errors(cyclic, max_definitions=5000)
    assert error.startswith("GRAPHQL_VALIDATION_FAILED: Cannot spread fragment 'F")
    # Cost alone (as the tests ask it) weighs what it can and stops.
    assert operation_cost(parse(cyclic, max_tokens=None), None, {}, DEFAULTS) == 1


def test_dependency_order_puts_spread_fragments_first() -> None:
    document = parse(
        "fragment A on T { ...B ...C } fragment B on T { ...C } fragment C on T { x } "
        "fragment D on T { ...D } fragment E on T { ...D }"
    )
    fragments = {d.name.value: d for d in document.definitions}  # type: ignore[attr-defined]
    order, cycle = dependency_order(fragments)
    assert order.index("C") < order.index("B") < order.index("A")
    assert cycle == "D"
    assert "D" not in order


def test_fragments_spread_deep_are_refused() -> None:
    assert errors(_chain(32)) == []  # the operation spreads F31, which spreads F30, …
    assert errors(_chain(33)) == [
        "GRAPHQL_VALIDATION_FAILED: Fragments are spread 33 levels deep; the limit is 32."
    ]


def test_repeated_fields_are_weighed_by_the_comparisons_they_cost() -> None:
    page = " courses(first: 1) { edges { node { id } } }"  # size 4: itself and 3 below
    # n copies: n(n-1)/2 pairs, each 4 * 4 comparisons at most.
    assert errors("{" + page * 16 + " }") == []  # 120 pairs: 1920
    assert errors("{" + page * 17 + " }") == [
        "GRAPHQL_VALIDATION_FAILED: This document repeats fields so often that checking "
        "they agree would compare about 2176 pairs; the limit is 2000. Ask for each field once."
    ]
    # Distinct fields, as real operations ask for them, compare nothing.
    catalogue = Path(__file__).resolve().parents[1] / "operations" / "catalogue_page.graphql"
    document = parse(catalogue.read_text())
    measure = DocumentMeasure({})
    assert measure.measure(document.definitions[0].selection_set).comparisons == 0  # type: ignore[attr-defined]


def test_fragments_count_comparisons_where_they_are_spread() -> None:
    fragment = "fragment P on Query { courses(first: 1) { edges { node { id } } } }"
    spreads = " ".join(["...P"] * 2)
    inline = " ".join(["... on Query { courses(first: 1) { edges { node { id } } } }"] * 17)
    # Spreading the same fragment twice merges two copies of its fields.
    assert errors(f"{{ {spreads} }} {fragment}", max_field_comparisons=100) == []
    assert errors(f"{{ {inline} }}", max_field_comparisons=2175)[0].startswith(
        "GRAPHQL_VALIDATION_FAILED: This document repeats fields"
    )
