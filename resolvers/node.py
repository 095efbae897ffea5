"""`node(id:)` and `nodes(ids:)`: any global ID to its document, batched.

Which types are nodes, where each is loaded from and who may see it is the
schema's registry (`schema.node_registry`), passed in as `sources`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aiodataloader import DataLoader

from datastore.loaders import Loaders
from resolvers.context import Context
from resolvers.enrollment import may_see_enrollment
from resolvers.errors import BadUserInput
from resolvers.global_ids import GlobalId, from_global_id

MAX_NODES = 100

Found = tuple[str, dict[str, Any]]


async def always_visible(ctx: Context, doc: dict[str, Any]) -> bool:
    return True


@dataclass(frozen=True, slots=True)
class NodeSource:
    """Where documents of one node type come from, and who may see one."""

    loader: Callable[[Loaders], DataLoader[Any, Any]]
    visible: Callable[[Context, dict[str, Any]], Awaitable[bool]] = always_visible


async def _load(ctx: Context, gid: GlobalId, source: NodeSource) -> dict[str, Any] | None:
    doc: dict[str, Any] | None = await source.loader(ctx.loaders).load(gid.id)
    if doc is None or not await source.visible(ctx, doc):
        return None
    if gid.type_name == "Enrollment" and not await may_see_enrollment(ctx, doc):
        return None
    return doc


async def node(ctx: Context, value: str, sources: Mapping[str, NodeSource]) -> Found | None:
    gid = from_global_id(value, types=sources)
    doc = await _load(ctx, gid, sources[gid.type_name])
    return None if doc is None else (gid.type_name, doc)


async def nodes(
    ctx: Context, values: list[str], sources: Mapping[str, NodeSource]
) -> list[Found | None]:
    if len(values) > MAX_NODES:
        raise BadUserInput(f"`ids` takes at most {MAX_NODES} IDs", argument="ids")
    gids = [from_global_id(v, argument="ids", types=sources) for v in values]
    docs = await asyncio.gather(*(_load(ctx, gid, sources[gid.type_name]) for gid in gids))
    return [
        None if doc is None else (gid.type_name, doc) for gid, doc in zip(gids, docs, strict=True)
    ]
