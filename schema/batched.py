"""Fields resolved for all their parents at once.

A batched field names a batch function, `batch(ctx, parents, **arguments)`,
which returns one result per parent in the parents' order (an Exception in a
parent's place fails that parent's field alone; raising fails them all). The
field's own resolver stays a method taking `self`, as Strawberry and
graphql-core's executor need, and only forwards to `resolve_batched` with the
same batch function, which sends the parent through a per-request DataLoader of that field and those
arguments, so the parents of one wave meet in a single call.

The fast executor (`execution/`) reads the batch function from the field and
calls it itself, once per field and wave, with every parent it reached: no
resolver call, Info, coroutine or task per parent. Both ways run the same
batch function, so they answer alike.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from typing import Any, TypeVar

import strawberry
from aiodataloader import DataLoader
from strawberry.types import Info

from datastore.loader_batches import report_field_batch
from execution.plan import BATCH_KEY
from resolvers.context import Context

Batch = Callable[..., Awaitable[Sequence[Any]]]
T = TypeVar("T")


def batched_field(batch: Batch, *, description: str) -> Any:
    """A field resolved by `batch` (its resolver must call `resolve_batched`)."""
    return strawberry.field(description=description, metadata={BATCH_KEY: batch})


def batch_of(field: Any) -> Batch | None:
    """The batch function of a Strawberry field, if it is batched."""
    metadata = getattr(field, "metadata", None) or {}
    batch: Batch | None = metadata.get(BATCH_KEY)
    return batch


def built_once(
    ctx: Context, make: Callable[[dict[str, Any]], T], docs: Iterable[dict[str, Any] | None]
) -> list[T | None]:
    """Each document's object, built once per request and shared: the instructor
    of forty sessions is one User, not forty (None stays None)."""
    memo: dict[int, tuple[Any, Any]] = ctx.loaders.built.setdefault(make.__qualname__, {})
    objects: list[T | None] = []
    for doc in docs:
        if doc is None:
            objects.append(None)
            continue
        # By identity: a request's loaders hand out one dict per document.
        entry = memo.get(id(doc))
        if entry is None or entry[0] is not doc:
            entry = memo[id(doc)] = (doc, make(doc))
        objects.append(entry[1])
    return objects


class _FieldLoader(DataLoader[Any, Any]):
    """The parents of one batched field with one set of arguments, in one request."""

    def __init__(
        self, ctx: Context, coordinate: str, batch: Batch, arguments: dict[str, Any]
    ) -> None:
        # Parents are not hashable, and each is asked for once: nothing to cache.
        super().__init__(cache=False, batch=ctx.loaders.batching)
        self.ctx = ctx
        self.coordinate = coordinate
        self.function = batch
        self.arguments = arguments

    async def batch_load_fn(self, parents: list[Any]) -> list[Any]:
        report_field_batch(self.coordinate, len(parents))
        return list(await self.function(self.ctx, parents, **self.arguments))


async def resolve_batched(
    info: Info[Context, None],
    batch: Callable[..., Awaitable[Sequence[T]]],
    parent: object,
    **arguments: Any,
) -> T:
    """The per-parent resolver of a batched field (graphql-core's executor).

    `batch` is the function the field names in `batched_field`: the fast
    executor calls that one directly.
    """
    ctx = info.context
    key: Hashable
    try:
        key = (batch, tuple(sorted(arguments.items())))
        hash(key)
    except TypeError:
        key = (batch, id(arguments))  # arguments that cannot be keyed batch alone
    loaders = ctx.loaders.field_loaders
    loader = loaders.get(key)
    if loader is None:
        coordinate = f"{info.path.typename}.{info.field_name}"
        loader = loaders[key] = _FieldLoader(ctx, coordinate, batch, arguments)
    result: T = await loader.load(parent)
    return result
