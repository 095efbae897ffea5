"""Pages of documents in keyset order: one collection, or one page per parent."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from bson import ObjectId
from pymongo.asynchronous.collection import AsyncCollection

from datastore.keyset import (
    Keyset,
    SortSpec,
    after_filter,
    is_after,
    is_at,
    is_before,
    sort_key,
)

# One reply for a whole batch: the default first batch (101 documents) would
# add getMore round trips as pages grow, and the count must not depend on size.
BATCH_SIZE = 100_000

Doc = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Page:
    items: list[Doc]
    has_next_page: bool
    has_previous_page: bool
    spec: SortSpec
    # How many items the whole list holds, when the page was cut from all of them.
    total: int | None = None


@dataclass(frozen=True, slots=True)
class Window:
    """Which page: `size` items after `cursor`, or, when `backward`, the last
    `size` items before it (`last`/`before`). No cursor: from the start or the end."""

    size: int
    cursor: Keyset | None = None
    backward: bool = False


def _combine(*filters: Mapping[str, Any]) -> dict[str, Any]:
    parts = [dict(f) for f in filters if f]
    if not parts:
        return {}
    if len(parts) == 1:
        return parts[0]
    return {"$and": parts}


async def find_page(
    collection: AsyncCollection[Doc],
    query: Mapping[str, Any],
    spec: SortSpec,
    *,
    window: Window,
    projection: Mapping[str, Any] | None = None,
) -> Page:
    """One page and whether another follows, in a single find (size + 1 rows).

    Backward pages sort the other way from the cursor, take size + 1 and
    reverse. Their `hasNextPage` is exact: the find includes the cursor's own
    row, which proves a next page when it still exists; only when it has gone
    does one more find (one row) look past it.
    """
    size, cursor = window.size, window.cursor
    if not window.backward:
        full = _combine(query, after_filter(spec, cursor) if cursor else {})
        found = collection.find(full, projection).sort(spec.sort).limit(size + 1)
        docs = await found.batch_size(size + 1).to_list()
        return Page(
            items=docs[:size],
            has_next_page=len(docs) > size,
            has_previous_page=cursor is not None,
            spec=spec,
        )
    back = spec.reversed()
    extra = 0 if cursor is None else 1
    full = _combine(query, after_filter(back, cursor, inclusive=True) if cursor else {})
    found = collection.find(full, projection).sort(back.sort).limit(size + 1 + extra)
    docs = await found.batch_size(size + 1 + extra).to_list()
    has_next = False
    if cursor is not None:
        if docs and is_at(spec, cursor, docs[0]):
            docs, has_next = docs[1:], True
        else:
            later = _combine(query, after_filter(spec, cursor))
            has_next = await collection.find(later, {"_id": 1}).limit(1).to_list() != []
    return Page(
        items=docs[:size][::-1],
        has_next_page=has_next,
        has_previous_page=len(docs) > size,
        spec=spec,
    )


@dataclass(frozen=True, slots=True)
class ChildPageKey:
    """A page of children of one parent: `scope` names an extra filter."""

    parent_id: ObjectId
    window: Window
    scope: str = "all"


@dataclass(frozen=True, slots=True)
class Scope:
    """A filter both as a MongoDB query and as the same test in Python."""

    query: Mapping[str, Any]
    matches: Callable[[Doc], bool]


ALL = Scope(query={}, matches=lambda _doc: True)


async def find_child_pages(
    collection: AsyncCollection[Doc],
    parent_field: str,
    spec: SortSpec,
    keys: Sequence[ChildPageKey],
    scopes: Mapping[str, Scope],
    projection: Mapping[str, Any] | None = None,
) -> list[Page]:
    """Pages for many parents in one query, in key order.

    Neither FerretDB nor a portable MongoDB query can limit rows per parent in
    one round trip (`$lookup`, `$facet` and `$push` are missing there), so one
    find fetches the parents' children in order and Python slices each page.
    A backward page fetches all its parent's children, so its page info is exact.
    """
    plain: dict[str, set[ObjectId]] = defaultdict(set)
    clauses: list[dict[str, Any]] = []
    for key in keys:
        window = key.window
        if window.cursor is None or window.backward:
            plain[key.scope].add(key.parent_id)
        else:
            clauses.append(
                _combine(
                    {parent_field: key.parent_id},
                    scopes[key.scope].query,
                    after_filter(spec, window.cursor),
                )
            )
    for scope_name, parents in plain.items():
        clauses.append(_combine({parent_field: {"$in": sorted(parents)}}, scopes[scope_name].query))
    query = clauses[0] if len(clauses) == 1 else {"$or": clauses}
    cursor = collection.find(query, projection).sort(spec.sort).batch_size(BATCH_SIZE)
    by_parent: dict[ObjectId, list[Doc]] = defaultdict(list)
    async for doc in cursor:
        by_parent[doc[parent_field]].append(doc)

    pages: list[Page] = []
    for key in keys:
        scope = scopes[key.scope]
        rows = by_parent.get(key.parent_id, [])
        if scope is not ALL:
            rows = [doc for doc in rows if scope.matches(doc)]
        pages.append(_slice(rows, spec, key.window))
    return pages


@dataclass(frozen=True, slots=True)
class ChildCountKey:
    """How many children one parent has, within a named scope."""

    parent_id: ObjectId
    scope: str = "all"


async def count_child_pages(
    collection: AsyncCollection[Doc],
    parent_field: str,
    keys: Sequence[ChildCountKey],
    scopes: Mapping[str, Scope],
) -> list[int]:
    """Children per parent, one `$group` command per scope, in key order."""
    by_scope: dict[str, set[ObjectId]] = defaultdict(set)
    for key in keys:
        by_scope[key.scope].add(key.parent_id)
    counts: dict[tuple[str, ObjectId], int] = {}
    for scope_name, parents in by_scope.items():
        match = _combine({parent_field: {"$in": sorted(parents)}}, scopes[scope_name].query)
        pipeline = [{"$match": match}, {"$group": {"_id": f"${parent_field}", "n": {"$sum": 1}}}]
        async for row in await collection.aggregate(pipeline):
            counts[(scope_name, row["_id"])] = int(row["n"])
    return [counts.get((key.scope, key.parent_id), 0) for key in keys]


def _slice(ordered: list[Doc], spec: SortSpec, window: Window) -> Page:
    """A page of rows already in the spec's order: for a backward page, all of them."""
    size, cursor = window.size, window.cursor
    if not window.backward:
        rows = (
            ordered if cursor is None else [doc for doc in ordered if is_after(spec, cursor, doc)]
        )
        return Page(
            items=rows[:size],
            has_next_page=len(rows) > size,
            has_previous_page=cursor is not None,
            spec=spec,
        )
    rows = ordered if cursor is None else [doc for doc in ordered if is_before(spec, cursor, doc)]
    return Page(
        items=rows[-size:],
        has_next_page=len(rows) < len(ordered),
        has_previous_page=len(rows) > size,
        spec=spec,
    )


def slice_page(docs: Sequence[Doc], spec: SortSpec, *, window: Window) -> Page:
    """A page of documents already in memory, in the spec's order (keyset, never skip)."""
    ordered = sorted(docs, key=lambda d: sort_key(spec, d), reverse=spec.descending)
    return replace(_slice(ordered, spec, window), total=len(ordered))
