"""Every decoder of client-supplied arguments, fuzzed: any input ends as a typed
refusal (BAD_USER_INPUT, or a coercion error) or as a value MongoDB can store —
never as an exception from deeper down."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import bson
import pytest
from bson import ObjectId
from graphql import GraphQLError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient
from strawberry.schema.types.base_scalars import DateTimeDefinition

from datastore.course import COURSE_ORDERS
from datastore.keyset import InvalidCursor, SortSpec, after_filter, decode_cursor, encode_cursor
from datastore.loaders import REVIEW_ORDER, SESSION_ORDER
from datastore.user_pages import USER_ORDER
from resolvers.course import _as_utc
from resolvers.errors import BadUserInput
from resolvers.global_ids import from_global_id, to_global_id
from schema.node_registry import NODE_TYPES
from tests.graphql_client import gql

SPECS: list[SortSpec] = [*COURSE_ORDERS.values(), SESSION_ORDER, REVIEW_ORDER, USER_ORDER]
FUZZ = settings(max_examples=300, deadline=None)

# JSON values a forged cursor might hold: numbers of any size, text, nesting.
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4),
    max_leaves=8,
)
kinds = st.sampled_from(["s", "n", "d", "x"])


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _forged(spec: SortSpec, kind: str, value: Any, raw_id: Any) -> str:
    # The standard library writes integers of any size, as an attacker's script would.
    return _b64(json.dumps([spec.tag, [kind, value], raw_id]).encode())


def _storable(spec: SortSpec, cursor: str) -> None:
    """The cursor is refused, or its filter encodes as BSON."""
    try:
        keyset = decode_cursor(spec, cursor)
    except InvalidCursor:
        return
    bson.encode(after_filter(spec, keyset))


@FUZZ
@given(spec=st.sampled_from(SPECS), cursor=st.text(max_size=600))
def test_any_text_as_a_cursor(spec: SortSpec, cursor: str) -> None:
    _storable(spec, cursor)


@FUZZ
@given(
    spec=st.sampled_from(SPECS),
    kind=kinds,
    value=json_values,
    raw_id=st.one_of(st.just("0" * 24), st.text(max_size=30), json_values),
)
def test_forged_cursors(spec: SortSpec, kind: str, value: Any, raw_id: Any) -> None:
    _storable(spec, _forged(spec, kind, value, raw_id))


@pytest.mark.parametrize("number", [2**63, 2**64 - 1, -(2**63) - 1, 2**64, 10**30])
def test_numbers_beyond_64_bits_in_cursors(number: int) -> None:
    spec = COURSE_ORDERS[next(iter(COURSE_ORDERS))]
    price = next(s for s in SPECS if s.kind == "n")
    for target in (spec, price):
        _storable(target, _forged(target, target.kind, number, "0" * 24))


@FUZZ
@given(
    spec=st.sampled_from(SPECS),
    number=st.integers(min_value=-(2**63), max_value=2**63 - 1),
    # Longer than any stored sort value (titles are at most 120 characters).
    text=st.text(max_size=200),
    when=st.datetimes(timezones=st.just(UTC)),
)
def test_cursors_made_here_decode_to_what_was_encoded(
    spec: SortSpec, number: int, text: str, when: datetime
) -> None:
    value = {"s": text, "n": number, "d": when}[spec.kind]
    doc = {"_id": ObjectId(), spec.field: value}
    keyset = decode_cursor(spec, encode_cursor(spec, doc))
    assert keyset.id == doc["_id"]
    if spec.kind == "d":
        # Exactly what MongoDB stores: the time cut to the millisecond.
        assert keyset.value == when.replace(microsecond=when.microsecond // 1000 * 1000)
    else:
        assert keyset.value == value


@FUZZ
@given(value=st.text(max_size=100))
def test_any_text_as_a_global_id(value: str) -> None:
    refusal: BadUserInput | None = None
    try:
        parsed = from_global_id(value, types=NODE_TYPES)
    except BadUserInput as error:
        refusal = error
    if refusal is not None:
        assert refusal.extensions == {"code": "BAD_USER_INPUT", "argument": "id"}
    else:
        assert parsed.type_name in NODE_TYPES


@FUZZ
@given(type_name=st.sampled_from(sorted(NODE_TYPES)), raw=st.binary(min_size=12, max_size=12))
def test_global_ids_round_trip(type_name: str, raw: bytes) -> None:
    object_id = ObjectId(raw)
    parsed = from_global_id(to_global_id(type_name, object_id))
    assert (parsed.type_name, parsed.id) == (type_name, object_id)


@FUZZ
@given(value=st.text(max_size=60))
def test_any_text_as_a_date_time(value: str) -> None:
    # The DateTime scalar turns bad text into a coercion error (a GraphQLError).
    try:
        parsed = DateTimeDefinition.parse_value(value)  # type: ignore[misc]
    except GraphQLError:
        return
    assert isinstance(parsed, datetime)


@FUZZ
@given(
    when=st.datetimes(
        timezones=st.builds(
            timezone, st.timedeltas(min_value=timedelta(hours=-23), max_value=timedelta(hours=23))
        )
        | st.none()
    )
)
def test_any_start_time_is_refused_or_storable(when: datetime) -> None:
    try:
        utc = _as_utc(when, argument="filter.startsAfter")
    except BadUserInput:
        return
    bson.encode({"startsAt": {"$gt": utc}})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cursor=st.text(max_size=80)
    | st.builds(
        _forged,
        st.just(COURSE_ORDERS[next(iter(COURSE_ORDERS))]),
        kinds,
        json_values,
        st.just("0" * 24),
    )
)
def test_cursors_over_http_are_refused_or_answered(seeded_client: TestClient, cursor: str) -> None:
    query = "query($a: String) { courses(first: 1, after: $a) { edges { cursor } } }"
    body = gql(seeded_client, query, {"a": cursor})
    for error in body.get("errors", []):
        assert error["extensions"] == {"code": "BAD_USER_INPUT", "argument": "after"}


def test_the_longest_title_in_four_byte_characters_makes_a_usable_cursor() -> None:
    spec = next(s for s in SPECS if s.kind == "s")
    doc = {"_id": ObjectId(), spec.field: "\U0001f600" * 120}
    assert decode_cursor(spec, encode_cursor(spec, doc)).value == doc[spec.field]
