"""Arguments of every connection: `first` in range, `after` a cursor of ours."""

from __future__ import annotations

from datastore.keyset import InvalidCursor, Keyset, SortSpec, decode_cursor
from resolvers.errors import BadUserInput

MAX_FIRST = 100


def check_first(first: int) -> int:
    if not 1 <= first <= MAX_FIRST:
        raise BadUserInput(f"`first` must be between 1 and {MAX_FIRST}", argument="first")
    return first


def parse_after(spec: SortSpec, after: str | None) -> Keyset | None:
    if after is None:
        return None
    try:
        return decode_cursor(spec, after)
    except InvalidCursor as exc:
        raise BadUserInput(f"`after` is not a valid cursor: {exc}", argument="after") from None
