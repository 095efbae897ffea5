"""The scan before parsing: its token count agrees with graphql-core's lexer, and its
field counts never exceed what the checks after parsing count, so it refuses nothing
the parser and those checks would let through."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import FragmentDefinitionNode, GraphQLError, parse
from graphql.language import Lexer, Source, TokenKind
from hypothesis import given, settings
from hypothesis import strategies as st

from schema.document_limits import DocumentMeasure
from schema.document_scan import count_tokens, scan

OPERATIONS = sorted((Path(__file__).resolve().parents[1] / "operations").glob("*.graphql"))


def lexer_count(text: str) -> int:
    lexer = Lexer(Source(text))
    count = 0
    while lexer.advance().kind is not TokenKind.EOF:
        count += 1
    return count


@pytest.mark.parametrize(
    "document",
    [
        *(path.read_text() for path in OPERATIONS),
        'query Q($a: [Int!] = [1, -2.5e3], $s: String = "x\\"y{") @d(b: """a \\""" {"b"} """) {'
        "  a ...on B { c } ... F # a { comment\n} fragment F on X { y }",
        '{ a(s: "\\u00e9\\u{1F600}", f: 0.5E-3, b: true, n: null, e: ENUM, l: [], o: {}) }',
    ],
)
def test_counts_match_the_lexer(document: str) -> None:
    assert count_tokens(document, 10**6) == lexer_count(document)


@settings(max_examples=500, deadline=None)
@given(text=st.text(alphabet='{}()[]:$!=@&|.,#"\\ \n\tabcXYZ_019-+eE', max_size=80))
def test_never_more_than_the_lexer_counts(text: str) -> None:
    try:
        exact = lexer_count(text)
    except GraphQLError:
        return  # the parser refuses it whatever the count
    assert count_tokens(text, 10**6) <= exact


def test_counting_stops_past_the_limit() -> None:
    assert count_tokens("{ " + "a " * 10_000 + "}", 100) == 101


def _measured(document: str) -> tuple[int, int]:
    """Fields and widest selection set as the checks after parsing count them."""
    parsed = parse(document)
    fragments = {
        d.name.value: d for d in parsed.definitions if isinstance(d, FragmentDefinitionNode)
    }
    measure = DocumentMeasure(fragments)
    shapes = [measure.measure(d.selection_set) for d in parsed.definitions]  # type: ignore[attr-defined]
    return sum(s.fields for s in shapes), max(s.widest for s in shapes)


@pytest.mark.parametrize(
    ("document", "fields", "widest"),
    [
        ("{ a b c }", 3, 3),
        (
            "query Q($v: In = {a: 1, b: {c: 2}}) { x: a(o: {p: {q: 1}}) @skip(if: $v) { b c } d }",
            4,
            2,
        ),
        ('{ a(s: "{ b c d }") { ... on T { e f } ... @include(if: true) { g } h } }', 5, 2),
        # A spread counts as one field: its fragment holds at least one.
        ("fragment F on T { a b { c } } { x { ...F y } }", 6, 2),
        ("{ a: b c: d e }", 3, 3),
    ],
)
def test_the_scan_counts_fields_as_written(document: str, fields: int, widest: int) -> None:
    # Inline fragments and fragment definitions count as written: once, each in
    # its own braces. After parsing, fragments are written out and merged, so
    # the checks there count at least as much.
    found = scan(document, 10**6)
    assert (found.fields, found.widest) == (fields, widest)
    measured_fields, measured_widest = _measured(document)
    assert fields <= measured_fields
    assert widest <= measured_widest


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet="{}():@.abc ", max_size=60).map(lambda t: t.replace(".", "...")))
def test_the_scan_never_counts_more_than_the_checks(text: str) -> None:
    try:
        fields, widest = _measured(text)
    except GraphQLError:
        return
    found = scan(text, 10**6)
    assert found.fields <= fields
    assert found.widest <= widest


def test_the_scan_counts_definitions() -> None:
    document = "query A($v: I = {a: {b: 1}}) { a { b } } fragment F on T { b } { c(o: {d: 1}) }"
    assert scan(document, 10**6).definitions == 3
