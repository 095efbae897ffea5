"""Pages of documents in keyset order: one collection, or one page per parent."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bson import ObjectId
from pymongo.asynchronous.collection import AsyncCollection

from datastore.keyset import Keyset, SortSpec, after_filter, is_after, sort_key

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
    first: int,
    after: Keyset | None,
    projection: Mapping[str, Any] | None = None,
) -> Page:
    """One page and whether another follows, in a single find (first + 1 rows)."""
    full = _combine(query, after_filter(spec, after) if after else {})
    cursor = collection.find(full, projection).sort(spec.sort).limit(first + 1)
    docs = await cursor.batch_size(first + 1).to_list()
    return Page(
        items=docs[:first],
        has_next_page=len(docs) > first,
        has_previous_page=after is not None,
        spec=spec,
    )


@dataclass(frozen=True, slots=True)
class ChildPageKey:
    """A page of children of one parent: `scope` names an extra filter."""

    parent_id: ObjectId
    first: int
    after: Keyset | None = None
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
    """
    plain: dict[str, set[ObjectId]] = defaultdict(set)
    clauses: list[dict[str, Any]] = []
    for key in keys:
        if key.after is None:
            plain[key.scope].add(key.parent_id)
        else:
            clauses.append(
                _combine(
                    {parent_field: key.parent_id},
                    scopes[key.scope].query,
                    after_filter(spec, key.after),
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
        rows = [
            doc
            for doc in by_parent.get(key.parent_id, [])
            if scope.matches(doc) and (key.after is None or is_after(spec, key.after, doc))
        ]
        pages.append(
            Page(
                items=rows[: key.first],
                has_next_page=len(rows) > key.first,
                has_previous_page=key.after is not None,
                spec=spec,
            )
        )
    return pages


def slice_page(docs: Sequence[Doc], spec: SortSpec, *, first: int, after: Keyset | None) -> Page:
    """A page of documents already in memory, in the spec's order (keyset, never skip)."""
    ordered = sorted(docs, key=lambda d: sort_key(spec, d), reverse=spec.descending)
    rows = [doc for doc in ordered if after is None or is_after(spec, after, doc)]
    return Page(
        items=rows[:first],
        has_next_page=len(rows) > first,
        has_previous_page=after is not None,
        spec=spec,
    )
