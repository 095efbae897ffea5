"""Administrators' list of users."""

from __future__ import annotations

from datastore.pages import Page
from datastore.user_pages import USER_ORDER, find_users
from resolvers.context import Context
from resolvers.pagination import check_first, parse_after


async def users(ctx: Context, *, role: str | None, first: int, after: str | None) -> Page:
    check_first(first)
    page = await find_users(ctx.db, role=role, first=first, after=parse_after(USER_ORDER, after))
    for doc in page.items:
        ctx.loaders.user_by_id.prime(doc["_id"], doc)
    return page
