"""Arguments of every connection: a page size in range, cursors of ours.

Forward pages take `first` and `after`; backward pages take `last` and
`before`. Mixing the two is refused, as is a size outside 1..100.
"""

from __future__ import annotations

from datastore.keyset import InvalidCursor, Keyset, SortSpec, decode_cursor
from datastore.pages import Window
from resolvers.errors import BadUserInput

MAX_FIRST = 100


def _size(value: int, argument: str) -> int:
    if not 1 <= value <= MAX_FIRST:
        raise BadUserInput(f"`{argument}` must be between 1 and {MAX_FIRST}", argument=argument)
    return value


def _cursor(spec: SortSpec, value: str | None, argument: str) -> Keyset | None:
    if value is None:
        return None
    try:
        return decode_cursor(spec, value)
    except InvalidCursor as exc:
        message = f"`{argument}` is not a valid cursor: {exc}"
        raise BadUserInput(message, argument=argument) from None


def page_window(
    spec: SortSpec,
    *,
    first: int | None,
    after: str | None,
    last: int | None = None,
    before: str | None = None,
    default: int,
) -> Window:
    """The page the arguments ask for; `default` items when no size is given."""
    if last is None and before is None:
        size = _size(default if first is None else first, "first")
        return Window(size=size, cursor=_cursor(spec, after, "after"))
    if first is not None:
        raise BadUserInput("`first` and `last` cannot be used together", argument="first")
    if after is not None:
        raise BadUserInput("`after` goes with `first`, `before` with `last`", argument="after")
    size = _size(default if last is None else last, "last")
    return Window(size=size, cursor=_cursor(spec, before, "before"), backward=True)
