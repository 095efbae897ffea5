"""The race of every response cache: a query that read before a write must not store
its answer after the write's purge. Enrolling must never leave seatsLeft stale."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest

from cache.redis_store import RedisStore
from cache.store import MemoryStore, ResponseStore
from server.settings import Settings
from tests.cache.cache_helpers import CATALOGUE, data, post
from tests.cache.conftest import served
from tests.enrollment.enrollment_helpers import Academy, enroll
from tests.slow_proxy import SlowProxy


@pytest.fixture(params=["memory", "redis"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[ResponseStore]:
    if request.param == "memory":
        yield MemoryStore(max_bytes=1_000_000)
        return
    shared = RedisStore(request.getfixturevalue("redis_url"))
    yield shared
    await shared.close()


async def test_a_response_read_before_a_purge_is_not_stored(store: ResponseStore) -> None:
    started = await store.lookup("page")  # a query begins, then reads its data
    await store.purge({"Session:1"})  # meanwhile a write purges what it read
    stored = await store.put(
        "page", b"old", tags={"Session:1", "Course"}, ttl=60, since=started.clock
    )
    assert stored is False
    assert (await store.lookup("page")).body is None
    # A query that began after the purge stores as usual, and the next purge removes it.
    later = await store.lookup("page")
    assert await store.put("page", b"new", tags={"Session:1"}, ttl=60, since=later.clock)
    assert (await store.lookup("page")).body == b"new"
    await store.purge({"Course"})  # another tag: untouched
    assert (await store.lookup("page")).body == b"new"
    await store.purge({"Session:1"})
    assert (await store.lookup("page")).body is None


async def test_the_memory_store_keeps_to_its_bytes() -> None:
    store = MemoryStore(max_bytes=100)
    for key in ("a", "b", "c"):
        assert await store.put(key, b"x" * 40, tags={"T"}, ttl=60, since=0)
        await store.lookup("a")  # recently used: stays
    assert store.size <= 100
    assert (await store.lookup("a")).body is not None
    assert (await store.lookup("b")).body is None
    assert not await store.put("big", b"x" * 200, tags=(), ttl=60, since=0)


@pytest.mark.parametrize("round_", range(3))
async def test_enrolments_interleaved_with_cached_reads_leave_no_stale_seats(
    academy: Academy, cached_settings: Settings, uncached_settings: Settings, round_: int
) -> None:
    for _ in range(3):
        academy.new_session(capacity=6)  # 18 seats for 20 students
    rng = random.Random(round_)
    students = academy.students[:20]
    sessions_of = await _session_ids(cached_settings)

    async with served(cached_settings) as cached, served(uncached_settings) as fresh:
        enrolling = True

        async def keep_reading() -> None:
            # Reads in flight across every enrolment, the last one included.
            while enrolling:
                await post(cached, CATALOGUE, {"first": 10})
                await asyncio.sleep(rng.random() / 50)

        async def join(index: int) -> None:
            await asyncio.sleep(rng.random() / 5)
            result = await enroll(cached, students[index], sessions_of[index % len(sessions_of)])
            assert result["__typename"] == "EnrollmentPayload", result

        readers = [asyncio.create_task(keep_reading()) for _ in range(2)]
        await asyncio.gather(*(join(i) for i in range(len(students))))
        enrolling = False
        await asyncio.gather(*readers)

        status, cached_answer = await data(cached, CATALOGUE, {"first": 10})
        _, fresh_answer = await data(fresh, CATALOGUE, {"first": 10})
        assert cached_answer == fresh_answer, f"stale cached answer ({status})"
        again, _ = await data(cached, CATALOGUE, {"first": 10})
        assert again == "HIT"  # the cache was working all along
    seats = [
        edge["node"]["seatsLeft"]
        for edge in fresh_answer["courses"]["edges"][0]["node"]["sessions"]["edges"]
    ]
    assert sorted(seats) == [0, 0, 0]


async def _session_ids(settings: Settings) -> list[str]:
    async with served(settings) as client:
        _, answer = await data(client, CATALOGUE, {"first": 10})
    edges = answer["courses"]["edges"][0]["node"]["sessions"]["edges"]
    return [edge["node"]["id"] for edge in edges]


SEATS_AND_TEACHER = """
query Seats($id: ID!) {
  node(id: $id) { ... on Session { seatsLeft instructor { displayName } } }
}
"""
HOLD_SECONDS = 3.0


async def test_a_read_overtaken_by_an_enrolment_does_not_store_what_it_read(
    academy: Academy, cached_settings: Settings, mongo_uri: str, redis_url: str
) -> None:
    """Made to happen: a reader's database traffic goes through a proxy that holds back
    `find`s; the seat count (an aggregate) passes, and while the reader then waits for
    the instructor, another server enrols a student and purges."""
    session = academy.new_session(capacity=5)
    upstream = urlsplit(mongo_uri)
    proxy = SlowProxy(upstream.hostname or "127.0.0.1", upstream.port or 27017)
    shared = cached_settings.model_copy(update={"redis_url": redis_url})
    with proxy.running():
        slow = shared.model_copy(
            update={"mongodb_uri": f"mongodb://127.0.0.1:{proxy.port}/{shared.database_name}"}
        )
        async with served(slow) as reader, served(shared) as writer:
            proxy.held.clear()
            proxy.find_delay = HOLD_SECONDS
            reading = asyncio.create_task(data(reader, SEATS_AND_TEACHER, {"id": session}))
            # Held: the session, its course (visibility), then the instructor, whose
            # find leaves with the seat count.
            for _ in range(3):
                assert await asyncio.to_thread(proxy.held.wait, 30)
                proxy.held.clear()
            await asyncio.sleep(HOLD_SECONDS / 4)
            await enroll(writer, academy.students[0], session)
            status, overtaken = await reading
            proxy.find_delay = 0
            assert status == "MISS"
            assert overtaken["node"]["seatsLeft"] == 5  # read before the enrolment
            status, answer = await data(reader, SEATS_AND_TEACHER, {"id": session})
    assert status == "MISS"  # what the overtaken read found was not stored
    assert answer["node"]["seatsLeft"] == 4
