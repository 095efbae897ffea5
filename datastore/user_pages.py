"""Pages of users, for administrators' lists."""

from __future__ import annotations

from typing import Any

from datastore import collections as names
from datastore.client import Database
from datastore.keyset import SortSpec
from datastore.pages import Page, Window, find_page
from datastore.user import PUBLIC_USER_FIELDS

USER_ORDER = SortSpec(tag="user:name", field="displayName")


def _users_query(role: str | None) -> dict[str, Any]:
    return {} if role is None else {"roles": role}


async def find_users(db: Database, *, role: str | None, window: Window) -> Page:
    return await find_page(
        db[names.USERS],
        _users_query(role),
        USER_ORDER,
        window=window,
        projection=PUBLIC_USER_FIELDS,
    )


async def count_users(db: Database, *, role: str | None) -> int:
    return await db[names.USERS].count_documents(_users_query(role))
