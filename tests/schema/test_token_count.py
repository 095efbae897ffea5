"""The fast token count agrees with graphql-core's lexer, so it never refuses a
document the parser's own limit would let through."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import GraphQLError
from graphql.language import Lexer, Source, TokenKind
from hypothesis import given, settings
from hypothesis import strategies as st

from schema.token_count import count_tokens

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
