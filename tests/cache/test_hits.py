"""Cacheable queries are served from the cache: no execution, no MongoDB command; what
is not cacheable (errors, mutations, introspection) never is."""

from __future__ import annotations

from collections.abc import Callable

from server.settings import Settings
from tests.cache.cache_helpers import CATALOGUE, data, post
from tests.cache.conftest import served
from tests.command_counter import CommandCounter
from tests.enrollment.enrollment_helpers import Academy


async def test_a_repeated_query_is_a_hit_that_sends_no_command(
    academy: Academy, cached_settings: Settings
) -> None:
    academy.new_session(capacity=5)
    counter = CommandCounter()
    async with served(cached_settings, counter) as client:
        status, first = await data(client, CATALOGUE, {"first": 5})
        assert status == "MISS"
        assert counter.total > 0
        counter.reset()
        status, again = await data(client, CATALOGUE, {"first": 5})
        assert status == "HIT"
        assert again == first
        assert counter.total == 0, counter.commands
        # Other variables, another entry.
        status, _ = await data(client, CATALOGUE, {"first": 4})
        assert status == "MISS"
        assert counter.total > 0


async def test_errors_are_never_stored(academy: Academy, cached_settings: Settings) -> None:
    async with served(cached_settings) as client:
        for _ in range(2):
            # Past the largest page: the resolver refuses, the response holds an error.
            response = await post(client, "query Ids { courses(first: 101) { totalCount } }")
            assert response.json()["errors"]
            assert response.headers["X-Cache"] == "MISS"


async def test_introspection_and_unhinted_root_fields_bypass_the_cache(
    academy: Academy, cached_settings: Settings
) -> None:
    async with served(cached_settings) as client:
        for _ in range(2):
            response = await post(client, "query Schema { __schema { queryType { name } } }")
            assert "X-Cache" not in response.headers
            # A root field without a hint (`__typename`) leaves the response uncacheable.
            response = await post(client, "query Name { __typename }")
            assert "X-Cache" not in response.headers


async def test_a_private_response_is_never_served_to_another_viewer(
    academy: Academy, cached_settings: Settings
) -> None:
    alice, bob = academy.students[:2]
    viewer = "query Me { viewer { id displayName } }"
    async with served(cached_settings) as client:
        status, as_alice = await data(client, viewer, token=alice.token)
        assert status == "MISS"
        status, again = await data(client, viewer, token=alice.token)
        assert (status, again) == ("HIT", as_alice)
        status, as_bob = await data(client, viewer, token=bob.token)
        assert status == "MISS"
        assert as_bob["viewer"]["id"] != as_alice["viewer"]["id"]
        status, anonymous = await data(client, viewer)
        assert (status, anonymous) == ("MISS", {"viewer": None})
        # A bad token is refused before the cache is asked.
        response = await post(client, viewer, token=alice.token + "x")
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert "X-Cache" not in response.headers


async def test_a_hit_is_charged_its_cost(
    academy: Academy, make_settings: Callable[..., Settings], cached_settings: Settings
) -> None:
    limited = cached_settings.model_copy(update={"rate_limit_points": 100_000})
    async with served(limited) as client:
        first = await post(client, CATALOGUE, {"first": 5})
        second = await post(client, CATALOGUE, {"first": 5})
    assert (first.headers["X-Cache"], second.headers["X-Cache"]) == ("MISS", "HIT")
    cost = first.json()["extensions"]["cost"]["requestedQueryCost"]
    assert second.json()["extensions"]["cost"]["requestedQueryCost"] == cost
    assert int(second.headers["X-RateLimit-Used"]) == 2 * cost
