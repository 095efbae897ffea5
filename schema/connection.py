"""Cursor connections (Relay): `first`/`after` forward, `last`/`before` backward,
at most 100 items a page, keyset cursors, and a `totalCount` paid only when asked."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Generic, TypeVar

import strawberry

from datastore.keyset import SortSpec, encode_cursor
from datastore.pages import Page

NodeT = TypeVar("NodeT")

# Where a `first` argument keeps its default page size (read by the cost limit):
# the schema declares no default, since `last` alone must not meet one.
PAGE_SIZE_KEY = "leeto.defaultPageSize"

_FIRST = (
    "How many items from the start (or after `after`), from 1 to 100; {size} when neither "
    "`first` nor `last` is given. Not with `last` or `before`."
)
First = Annotated[
    int | None,
    strawberry.argument(description=_FIRST.format(size=20), metadata={PAGE_SIZE_KEY: 20}),
]
FirstTen = Annotated[
    int | None,
    strawberry.argument(description=_FIRST.format(size=10), metadata={PAGE_SIZE_KEY: 10}),
]
After = Annotated[
    str | None,
    strawberry.argument(description="Start after this cursor (a previous page's `endCursor`)."),
]
Last = Annotated[
    int | None,
    strawberry.argument(
        description="How many items from the end (or before `before`), from 1 to 100, in "
        "the list's order; the same default as `first` when only `before` is given. Not with "
        "`first` or `after`."
    ),
]
Before = Annotated[
    str | None,
    strawberry.argument(
        description="End before this cursor (a later page's `startCursor`), to page backward."
    ),
]


@strawberry.type(description="Where a page sits in the whole list.")
class PageInfo:
    has_next_page: bool = strawberry.field(
        description="Whether more items follow this page (exact in both directions)."
    )
    has_previous_page: bool = strawberry.field(
        description="Whether items come before this page: exact for `last`/`before` pages; "
        "for `first` pages, whether `after` was given."
    )
    # Cursors are encoded only when asked for: most pages never show them.
    page: strawberry.Private[Page]

    @strawberry.field(
        description="Cursor of the first item, if any; pass it as `before` for the page before."
    )
    def start_cursor(self) -> str | None:
        items = self.page.items
        return encode_cursor(self.page.spec, items[0]) if items else None

    @strawberry.field(description="Cursor of the last item; pass it as `after` for the next page.")
    def end_cursor(self) -> str | None:
        items = self.page.items
        return encode_cursor(self.page.spec, items[-1]) if items else None


@strawberry.type(description="One item of a page and its cursor.")
class Edge(Generic[NodeT]):
    node: NodeT = strawberry.field(description="The item.")
    spec: strawberry.Private[SortSpec]
    doc: strawberry.Private[dict[str, Any]]

    @strawberry.field(description="Opaque cursor of this item.")
    def cursor(self) -> str:
        return encode_cursor(self.spec, self.doc)


Count = Callable[[], Awaitable[int]]


@strawberry.type(description="A page of items.")
class Connection(Generic[NodeT]):
    page_info: PageInfo = strawberry.field(description="Paging details.")
    edges: list[Edge[NodeT]] = strawberry.field(description="The items of this page.")
    count: strawberry.Private[Count]

    @strawberry.field(
        description="How many items the whole list holds, its arguments' filters applied "
        "(not only this page). Counted only when selected."
    )
    async def total_count(self) -> int:
        return await self.count()


def known_count(total: int) -> Count:
    """A count already in hand (lists paged in memory)."""

    async def count() -> int:
        return total

    return count


def connection(
    page: Page, make: Callable[[dict[str, Any]], NodeT], count: Count
) -> Connection[NodeT]:
    """The connection of a page; `count` runs only if `totalCount` is selected."""
    spec = page.spec
    edges = [Edge(node=make(doc), spec=spec, doc=doc) for doc in page.items]
    info = PageInfo(
        has_next_page=page.has_next_page, has_previous_page=page.has_previous_page, page=page
    )
    return Connection(page_info=info, edges=edges, count=count)
