"""The brokers on their own: fan-out, bounded queues, Redis pub/sub across clients."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from live.broker import Broker, InProcessBroker
from live.fanout import SlowConsumer
from live.redis_broker import RedisBroker


@pytest.fixture(params=["in_process", "redis"])
async def broker(request: pytest.FixtureRequest) -> AsyncIterator[Broker]:
    made: Broker
    if request.param == "redis":
        made = RedisBroker(request.getfixturevalue("redis_url"), max_queued=3)
    else:
        made = InProcessBroker(max_queued=3)
    yield made
    await made.close()


async def test_a_slow_subscriber_is_dropped_while_others_keep_receiving(broker: Broker) -> None:
    async with (
        broker.subscribe("seats:a") as fast,
        broker.subscribe("seats:a") as slow,
        broker.subscribe("seats:b") as elsewhere,
    ):
        received: list[int] = []

        async def read() -> None:
            while len(received) < 10:
                received.append(int((await fast.get())["n"]))

        reader = asyncio.create_task(read())
        for n in range(10):
            await broker.publish("seats:a", {"n": n})
            await asyncio.sleep(0.02)
        await asyncio.wait_for(reader, 10)
        assert received == list(range(10))
        with pytest.raises(SlowConsumer):
            await slow.get()
        # Other channels never saw these events, and their subscribers stay.
        await broker.publish("seats:b", {"n": 99})
        assert await asyncio.wait_for(elsewhere.get(), 10) == {"n": 99}


async def test_redis_events_reach_another_process_broker(redis_url: str) -> None:
    """Two brokers, as in two processes: what one publishes the other delivers."""
    publisher, listener = RedisBroker(redis_url), RedisBroker(redis_url)
    try:
        async with listener.subscribe("course:c1") as subscriber:
            await publisher.publish("course:c1", {"courseId": "c1", "reason": "COURSE_UPDATED"})
            event = await asyncio.wait_for(subscriber.get(), 10)
        assert event == {"courseId": "c1", "reason": "COURSE_UPDATED"}
    finally:
        await publisher.close()
        await listener.close()


async def test_the_redis_broker_survives_a_lost_connection(redis_url: str) -> None:
    broker = RedisBroker(redis_url)
    admin = aioredis.Redis.from_url(redis_url)
    try:
        async with broker.subscribe("seats:s1") as subscriber:
            await broker.publish("seats:s1", {"version": 1})
            assert await asyncio.wait_for(subscriber.get(), 10) == {"version": 1}
            killed = await admin.execute_command("CLIENT", "KILL", "TYPE", "pubsub")
            assert killed == 1
            # Published while reconnecting, an event may be lost (pub/sub keeps
            # nothing); once subscribed again, events flow.
            for version in range(2, 100):
                await broker.publish("seats:s1", {"version": version})
                try:
                    event = await asyncio.wait_for(subscriber.get(), 0.2)
                except TimeoutError:
                    continue
                break
            else:
                raise AssertionError("no event after the connection was lost")
        assert event["version"] >= 2
    finally:
        await admin.aclose()
        await broker.close()
