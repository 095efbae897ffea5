"""Cursor connections (Relay): `first` ≤ 100 and `after`, keyset cursors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Generic, TypeVar

import strawberry

from datastore.keyset import encode_cursor
from datastore.pages import Page

NodeT = TypeVar("NodeT")

First = Annotated[int, strawberry.argument(description="How many items, from 1 to 100.")]
After = Annotated[
    str | None,
    strawberry.argument(description="Start after this cursor (a previous page's `endCursor`)."),
]


@strawberry.type(description="Where a page sits in the whole list.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="Whether more items follow this page.")
    has_previous_page: bool = strawberry.field(
        description="Whether this page was asked for with `after`."
    )
    start_cursor: str | None = strawberry.field(description="Cursor of the first item, if any.")
    end_cursor: str | None = strawberry.field(
        description="Cursor of the last item; pass it as `after` for the next page."
    )


@strawberry.type(description="One item of a page and its cursor.")
class Edge(Generic[NodeT]):
    cursor: str = strawberry.field(description="Opaque cursor of this item.")
    node: NodeT = strawberry.field(description="The item.")


@strawberry.type(description="A page of items.")
class Connection(Generic[NodeT]):
    page_info: PageInfo = strawberry.field(description="Paging details.")
    edges: list[Edge[NodeT]] = strawberry.field(description="The items of this page.")


def build_edges(
    page: Page, make: Callable[[dict[str, Any]], NodeT]
) -> tuple[PageInfo, list[Edge[NodeT]]]:
    edges = [Edge(cursor=encode_cursor(page.spec, doc), node=make(doc)) for doc in page.items]
    info = PageInfo(
        has_next_page=page.has_next_page,
        has_previous_page=page.has_previous_page,
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
    )
    return info, edges
