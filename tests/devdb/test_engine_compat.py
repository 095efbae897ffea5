"""The embedded engine speaks enough MongoDB for PyMongo's async client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from pymongo import ASCENDING, AsyncMongoClient
from pymongo.errors import DuplicateKeyError

from tests.command_counter import CommandCounter


@pytest.fixture
async def counted_db(
    mongo_uri: str, fresh_db_name: str
) -> AsyncIterator[tuple[object, CommandCounter]]:
    counter = CommandCounter()
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(
        mongo_uri, event_listeners=[counter], tz_aware=True
    )
    yield client[fresh_db_name], counter
    await client.drop_database(fresh_db_name)
    await client.close()


async def test_insert_find_in_sort_limit(counted_db) -> None:
    db, _ = counted_db
    await db.items.insert_many([{"n": n, "tag": "even" if n % 2 == 0 else "odd"} for n in range(10)])
    found = await db.items.find({"n": {"$in": [3, 1, 7]}}).sort("n", -1).limit(2).to_list()
    assert [doc["n"] for doc in found] == [7, 3]
    one = await db.items.find_one({"tag": "even", "n": {"$gt": 5}}, sort=[("n", ASCENDING)])
    assert one is not None and one["n"] == 6


async def test_unique_index_raises_duplicate_key(counted_db) -> None:
    db, _ = counted_db
    await db.people.create_index("email", unique=True)
    await db.people.insert_one({"email": "a@example.com"})
    with pytest.raises(DuplicateKeyError) as raised:
        await db.people.insert_one({"email": "a@example.com"})
    assert raised.value.code == 11000
    assert await db.people.count_documents({}) == 1


async def test_update_operators(counted_db) -> None:
    db, _ = counted_db
    result = await db.docs.insert_one({"name": "x", "count": 1, "tags": []})
    await db.docs.update_one(
        {"_id": result.inserted_id},
        {"$set": {"name": "y"}, "$inc": {"count": 2}, "$push": {"tags": "new"}},
    )
    doc = await db.docs.find_one({"_id": result.inserted_id})
    assert doc is not None
    assert (doc["name"], doc["count"], doc["tags"]) == ("y", 3, ["new"])


async def test_cursor_beyond_first_batch_uses_get_more(counted_db) -> None:
    db, counter = counted_db
    await db.many.insert_many([{"n": n} for n in range(250)])
    counter.reset()
    numbers = [doc["n"] async for doc in db.many.find({}).sort("n", 1)]
    assert numbers == list(range(250))
    assert counter.commands["find"] == 1
    assert counter.commands["getMore"] >= 1


async def test_group_with_sum_counts_per_key(counted_db) -> None:
    db, _ = counted_db
    await db.e.insert_many([{"s": s % 3, "status": "ACTIVE"} for s in range(10)])
    cursor = await db.e.aggregate(
        [{"$match": {"status": "ACTIVE"}}, {"$group": {"_id": "$s", "n": {"$sum": 1}}}]
    )
    counts = {row["_id"]: row["n"] async for row in cursor}
    assert counts == {0: 4, 1: 3, 2: 3}


async def test_client_closes_cleanly(mongo_uri: str) -> None:
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(mongo_uri)
    assert (await client.admin.command("ping"))["ok"] == 1
    await client.close()
    # A closed client refuses work instead of hanging.
    with pytest.raises(Exception, match="closed|Cannot use"):
        await client.admin.command("ping")


async def test_only_the_first_accumulator_of_a_group_counts_on_ferretdb(counted_db) -> None:
    """FerretDB 1.24 answers 0 for every accumulator after a $group's first (the
    documents are consumed by the first); datastore.ratings uses one accumulator."""
    db, _ = counted_db
    await db.r.insert_many([{"rating": r} for r in (4, 5, 5)])
    cursor = await db.r.aggregate(
        [{"$group": {"_id": None, "n": {"$sum": 1}, "s": {"$sum": "$rating"}}}]
    )
    (row,) = await cursor.to_list()
    assert row["n"] == 3
    is_ferretdb = "ferretdbVersion" in await db.command("buildInfo")
    assert row["s"] == (0 if is_ferretdb else 14)
