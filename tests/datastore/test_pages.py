"""Keyset pages both ways on the real engine, including cursors whose row has gone."""

from __future__ import annotations

from typing import Any

from bson import ObjectId

from datastore.client import Database
from datastore.keyset import SortSpec, keyset_of
from datastore.pages import (
    ChildPageKey,
    Page,
    Scope,
    Window,
    find_child_pages,
    find_page,
    slice_page,
)

SPEC = SortSpec(tag="t:rank", field="rank", kind="n")
DOWN = SortSpec(tag="t:rank-down", field="rank", descending=True, kind="n")


async def _rows(db: Database, ranks: list[int]) -> list[dict[str, Any]]:
    parent = ObjectId()
    docs = [{"_id": ObjectId(), "rank": rank, "parent": parent} for rank in ranks]
    await db.things.insert_many(docs)
    return docs


def _ranks(page: Page) -> list[int]:
    return [doc["rank"] for doc in page.items]


async def test_backward_pages_mirror_forward_pages(fresh_async_db: Database) -> None:
    await _rows(fresh_async_db, [5, 1, 4, 2, 3, 3])
    for spec in (SPEC, DOWN):
        forward = await find_page(fresh_async_db.things, {}, spec, window=Window(size=100))
        everything = forward.items
        for size in (1, 2, 4, 6, 7):
            back = await find_page(fresh_async_db.things, {}, spec, window=Window(size, None, True))
            assert back.items == everything[-size:]
            assert (back.has_previous_page, back.has_next_page) == (size < 6, False)
            for index, doc in enumerate(everything):
                cursor = keyset_of(spec, doc)
                page = await find_page(
                    fresh_async_db.things, {}, spec, window=Window(size, cursor, True)
                )
                assert page.items == everything[max(0, index - size) : index]
                assert page.has_previous_page == (index > size)
                assert page.has_next_page is True
                memory = slice_page(everything, spec, window=Window(size, cursor, True))
                assert (memory.items, memory.has_previous_page, memory.has_next_page) == (
                    page.items,
                    page.has_previous_page,
                    page.has_next_page,
                )
                assert memory.total == 6


async def test_has_next_page_is_exact_when_the_cursor_row_is_gone(fresh_async_db: Database) -> None:
    docs = await _rows(fresh_async_db, [1, 2, 3, 4, 5])
    things = fresh_async_db.things
    cursor = keyset_of(SPEC, docs[2])
    await things.delete_one({"_id": docs[2]["_id"]})
    page = await find_page(things, {}, SPEC, window=Window(size=1, cursor=cursor, backward=True))
    assert (_ranks(page), page.has_previous_page, page.has_next_page) == ([2], True, True)
    await things.delete_many({"rank": {"$gt": 3}})
    page = await find_page(things, {}, SPEC, window=Window(size=5, cursor=cursor, backward=True))
    assert (_ranks(page), page.has_previous_page, page.has_next_page) == ([1, 2], False, False)
    # A row that moved before its own cursor is a row like any other, not the cursor.
    await things.update_one({"_id": docs[1]["_id"]}, {"$set": {"rank": 2}})
    moved = keyset_of(SPEC, {"_id": docs[1]["_id"], "rank": 2.5})
    page = await find_page(things, {}, SPEC, window=Window(size=5, cursor=moved, backward=True))
    assert (_ranks(page), page.has_next_page) == ([1, 2], False)


async def test_child_pages_go_backward_for_many_parents(fresh_async_db: Database) -> None:
    first = await _rows(fresh_async_db, [1, 2, 3, 4])
    second = await _rows(fresh_async_db, [7, 8])
    scopes = {"all": Scope(query={}, matches=lambda _doc: True)}
    keys = [
        ChildPageKey(first[0]["parent"], Window(2, keyset_of(SPEC, first[3]), True)),
        ChildPageKey(second[0]["parent"], Window(5, None, True)),
        ChildPageKey(first[0]["parent"], Window(2, keyset_of(SPEC, first[0]))),
    ]
    pages = await find_child_pages(fresh_async_db.things, "parent", SPEC, keys, scopes)
    assert [_ranks(page) for page in pages] == [[2, 3], [7, 8], [2, 3]]
    assert [(p.has_previous_page, p.has_next_page) for p in pages] == [
        (True, True),
        (False, False),
        (True, True),
    ]
