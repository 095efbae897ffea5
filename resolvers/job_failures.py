"""Administrators' list of background jobs that failed for good (dead letters)."""

from __future__ import annotations

from datastore.pages import Page
from jobs.store import FAILURE_ORDER, failure_count, failure_page
from resolvers.context import Context
from resolvers.pagination import page_window


async def job_failures(ctx: Context, *, first: int | None, after: str | None) -> Page:
    window = page_window(FAILURE_ORDER, first=first, after=after, default=20)
    return await failure_page(ctx.db, window)


async def job_failure_count(ctx: Context) -> int:
    return await failure_count(ctx.db)
