"""Pages of users, for administrators' lists."""

from __future__ import annotations

from typing import Any

from datastore import collections as names
from datastore.client import Database
from datastore.keyset import Keyset, SortSpec
from datastore.pages import Page, find_page

USER_ORDER = SortSpec(tag="user:name", field="displayName")


async def find_users(db: Database, *, role: str | None, first: int, after: Keyset | None) -> Page:
    query: dict[str, Any] = {} if role is None else {"roles": role}
    return await find_page(db[names.USERS], query, USER_ORDER, first=first, after=after)
