"""Administrators' list of users."""

from __future__ import annotations

from datastore.pages import Page
from datastore.user_pages import USER_ORDER, count_users, find_users
from resolvers.context import Context
from resolvers.pagination import page_window


async def users(
    ctx: Context,
    *,
    role: str | None,
    first: int | None,
    after: str | None,
    last: int | None = None,
    before: str | None = None,
) -> Page:
    window = page_window(USER_ORDER, first=first, after=after, last=last, before=before, default=20)
    page = await find_users(ctx.db, role=role, window=window)
    for doc in page.items:
        ctx.loaders.user_by_id.prime(doc["_id"], doc)
    return page


async def user_count(ctx: Context, *, role: str | None) -> int:
    return await count_users(ctx.db, role=role)
