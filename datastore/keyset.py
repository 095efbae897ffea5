"""Keyset pagination: opaque cursors over (sort value, _id), never skip.

A cursor names the ordering it was made for, so a cursor from one ordering
is refused by another instead of silently returning the wrong page.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from bson import ObjectId
from bson.errors import InvalidId

SortValue = str | int | float | datetime | None


class InvalidCursor(ValueError):
    """The cursor was not made by this API for this ordering."""


@dataclass(frozen=True, slots=True)
class SortSpec:
    """Order by one field, ties broken by _id in the same direction."""

    tag: str
    field: str
    descending: bool = False
    # What the sort field holds: "s" text, "n" number, "d" date; cursors must agree.
    kind: str = "s"

    @property
    def sort(self) -> list[tuple[str, int]]:
        direction = -1 if self.descending else 1
        return [(self.field, direction), ("_id", direction)]

    def reversed(self) -> SortSpec:
        """The same ordering run backwards; its cursors keep this ordering's tag."""
        return replace(self, descending=not self.descending)


@dataclass(frozen=True, slots=True)
class Keyset:
    value: SortValue
    id: ObjectId


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)


def _milliseconds(value: datetime) -> int:
    """Milliseconds since the epoch, as MongoDB stores a date.

    Integer arithmetic: through a float timestamp, dates land a millisecond
    off now and then, and a cursor a millisecond early repeats or skips rows.
    """
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return (aware - _EPOCH) // _MILLISECOND


def _pack_value(value: SortValue) -> list[Any]:
    if isinstance(value, datetime):
        return ["d", _milliseconds(value)]
    if isinstance(value, bool) or value is None:
        raise InvalidCursor("unsupported sort value")
    if isinstance(value, int | float):
        return ["n", value]
    return ["s", value]


def _fits_bson(number: int) -> bool:
    """BSON stores integers in at most 64 signed bits; JSON numbers may be longer."""
    return -(2**63) <= number < 2**63


def _unpack_value(packed: Any, expected_kind: str) -> SortValue:
    if not isinstance(packed, list) or len(packed) != 2:
        raise InvalidCursor("malformed cursor")
    kind, raw = packed
    if kind != expected_kind:
        raise InvalidCursor("malformed cursor")
    if kind == "d" and isinstance(raw, int) and not isinstance(raw, bool):
        try:
            return _EPOCH + raw * _MILLISECOND
        except (OverflowError, OSError, ValueError):
            raise InvalidCursor("malformed cursor") from None
    if kind == "n" and isinstance(raw, float):
        return raw  # finite: JSON has no NaN or infinity
    if kind == "n" and isinstance(raw, int) and not isinstance(raw, bool) and _fits_bson(raw):
        return raw
    if kind == "s" and isinstance(raw, str):
        return raw
    raise InvalidCursor("malformed cursor")


def keyset_of(spec: SortSpec, doc: dict[str, Any]) -> Keyset:
    return Keyset(value=doc.get(spec.field), id=doc["_id"])


def encode_cursor(spec: SortSpec, doc: dict[str, Any]) -> str:
    keyset = keyset_of(spec, doc)
    payload = orjson.dumps([spec.tag, _pack_value(keyset.value), str(keyset.id)])
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


# Room for any sort value the API stores: a 120-character title of 4-byte
# characters, JSON-escaped control characters, fuzzed text; still tiny to parse.
MAX_CURSOR_LENGTH = 4096


def decode_cursor(spec: SortSpec, cursor: str) -> Keyset:
    if not cursor or len(cursor) > MAX_CURSOR_LENGTH:
        raise InvalidCursor("malformed cursor")
    try:
        payload = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        tag, packed, raw_id = orjson.loads(payload)
        object_id = ObjectId(raw_id)
    except (binascii.Error, ValueError, TypeError, InvalidId, orjson.JSONDecodeError) as exc:
        raise InvalidCursor("malformed cursor") from exc
    if tag != spec.tag:
        raise InvalidCursor("cursor belongs to another ordering")
    return Keyset(value=_unpack_value(packed, spec.kind), id=object_id)


def after_filter(spec: SortSpec, keyset: Keyset, *, inclusive: bool = False) -> dict[str, Any]:
    """Documents strictly after the keyset in the spec's order (or at it, if inclusive)."""
    op = "$lt" if spec.descending else "$gt"
    id_op = op + "e" if inclusive else op
    return {
        "$or": [
            {spec.field: {op: keyset.value}},
            {spec.field: keyset.value, "_id": {id_op: keyset.id}},
        ]
    }


def _comparable(value: SortValue) -> Any:
    # Mongo stores datetimes to the millisecond; compare at that precision.
    if isinstance(value, datetime):
        return _milliseconds(value)
    return value


def sort_key(spec: SortSpec, doc: dict[str, Any]) -> tuple[Any, ObjectId]:
    return (_comparable(doc.get(spec.field)), doc["_id"])


def is_after(spec: SortSpec, keyset: Keyset, doc: dict[str, Any]) -> bool:
    """The Python twin of after_filter, for slicing batched results per parent."""
    mine = sort_key(spec, doc)
    theirs = (_comparable(keyset.value), keyset.id)
    return mine < theirs if spec.descending else mine > theirs


def is_before(spec: SortSpec, keyset: Keyset, doc: dict[str, Any]) -> bool:
    """Strictly before the keyset in the spec's order."""
    return is_after(spec.reversed(), keyset, doc)


def is_at(spec: SortSpec, keyset: Keyset, doc: dict[str, Any]) -> bool:
    """The document sits exactly where the keyset points (same sort value and _id)."""
    return sort_key(spec, doc) == (_comparable(keyset.value), keyset.id)
