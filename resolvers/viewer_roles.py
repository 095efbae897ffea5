"""The viewer's roles as stored now: a demotion counts from the next request on."""

from __future__ import annotations

from auth.roles import is_admin, parse_roles
from resolvers.context import Context


async def viewer_is_admin(ctx: Context) -> bool:
    viewer = ctx.viewer()
    if viewer is None or not viewer.is_admin:
        return False  # the token never grants more than it says
    doc = await ctx.loaders.user_by_id.load(viewer.user_id)
    return doc is not None and is_admin(parse_roles(doc.get("roles", [])))
