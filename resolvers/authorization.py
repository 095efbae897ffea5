"""The rules of `auth.rules`, asked about the viewer of this request.

The viewer's roles are read from their stored document through the request's
user loader (one batched read, shared with every other field that loads the
user), never from the access token: a promotion or demotion counts at once.
A deleted account has no rights left, even while its last access token lives.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

from auth import rules
from auth.rules import Actor
from resolvers.context import Context

__all__ = [
    "current_actor",
    "may_act_for_user",
    "may_create_course",
    "may_manage_course",
    "viewer_is_admin",
]


async def current_actor(ctx: Context) -> Actor | None:
    """The signed-in user with their roles as stored now; None when anonymous or
    when the account no longer exists. A bad token raises Unauthenticated."""
    viewer = ctx.viewer()
    if viewer is None:
        return None
    doc: dict[str, Any] | None = await ctx.loaders.user_by_id.load(viewer.user_id)
    if doc is None or doc.get("deletedAt") is not None:
        return None
    return Actor.of(viewer.user_id, doc.get("roles", []))


async def viewer_is_admin(ctx: Context) -> bool:
    return rules.is_admin(await current_actor(ctx))


async def may_act_for_user(ctx: Context, owner_id: Hashable) -> bool:
    """The viewer is `owner_id` or an administrator."""
    return rules.may_act_for_user(await current_actor(ctx), owner_id)


async def may_create_course(ctx: Context) -> bool:
    return rules.may_create_course(await current_actor(ctx))


async def may_manage_course(ctx: Context, course: Mapping[str, Any]) -> bool:
    """The viewer teaches the course (as an INSTRUCTOR) or is an administrator."""
    return rules.may_manage_course(await current_actor(ctx), course)
