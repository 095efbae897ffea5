"""GET queries carry Cache-Control, a weak ETag and Vary: Authorization; If-None-Match
gets a 304 without a body."""

from __future__ import annotations

import httpx

from server.settings import Settings
from tests.cache.conftest import served
from tests.enrollment.enrollment_helpers import Academy

COURSES = "query Courses { courses(first: 5) { edges { node { id title } } } }"
SEATS = """
query Seats { courses(first: 5) { edges { node { sessions { edges { node { seatsLeft } } } } } } }
"""


async def get(
    client: httpx.AsyncClient, query: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    # GETs name a preflight header, or the CSRF check refuses them.
    return await client.get(
        "/graphql",
        params={"query": query},
        headers={"Apollo-Require-Preflight": "true", **(headers or {})},
    )


def vary(response: httpx.Response) -> set[str]:
    return {part.strip() for part in response.headers["Vary"].split(",")}


async def test_get_is_public_for_anonymous_requests_with_an_etag(
    academy: Academy, cached_settings: Settings
) -> None:
    async with served(cached_settings) as client:
        miss = await get(client, COURSES)
        hit = await get(client, COURSES)
    assert miss.status_code == hit.status_code == 200
    assert (miss.headers["X-Cache"], hit.headers["X-Cache"]) == ("MISS", "HIT")
    assert miss.headers["Cache-Control"] == "public, max-age=60"
    assert miss.headers["ETag"].startswith('W/"')
    assert hit.headers["ETag"] == miss.headers["ETag"]
    assert {"Accept", "Authorization"} <= vary(miss)


async def test_the_shortest_max_age_wins(academy: Academy, cached_settings: Settings) -> None:
    academy.new_session(capacity=3)
    async with served(cached_settings) as client:
        response = await get(client, SEATS)
    assert response.headers["Cache-Control"] == "public, max-age=30"  # seatsLeft's hint


async def test_if_none_match_gets_304_until_the_data_changes(
    academy: Academy, cached_settings: Settings
) -> None:
    async with served(cached_settings) as client:
        etag = (await get(client, COURSES)).headers["ETag"]
        for tag in (etag, etag.removeprefix("W/"), f'"other", {etag}'):
            not_modified = await get(client, COURSES, {"If-None-Match": tag})
            assert not_modified.status_code == 304
            assert not_modified.content == b""
            assert not_modified.headers["ETag"] == etag
            assert not_modified.headers["Cache-Control"] == "public, max-age=60"
        academy.db.courses.update_one({"_id": academy.course_id}, {"$set": {"title": "New"}})
        # Written behind the API's back: the cache still answers as before.
        assert (await get(client, COURSES, {"If-None-Match": etag})).status_code == 304
        other = await get(client, COURSES, {"If-None-Match": '"something-else"'})
        assert other.status_code == 200
        assert other.json()["data"]["courses"]["edges"][0]["node"]["title"] != "New"


async def test_signed_in_and_uncacheable_gets(academy: Academy, cached_settings: Settings) -> None:
    token = academy.students[0].token
    async with served(cached_settings) as client:
        mine = await get(client, COURSES, {"Authorization": f"Bearer {token}"})
        assert mine.headers["Cache-Control"] == "private, max-age=60"
        viewer = await get(client, "query Me { viewer { id } }")
        assert viewer.headers["Cache-Control"] == "private, max-age=60"
        refused = await get(client, "query Ids { courses(first: 101) { totalCount } }")
        assert refused.headers["Cache-Control"] == "no-store"
        assert "ETag" not in refused.headers
        introspection = await get(client, "query Schema { __schema { queryType { name } } }")
        assert introspection.headers["Cache-Control"] == "no-store"
        assert "Authorization" in vary(introspection)
        posted = await client.post("/graphql", json={"query": COURSES})
        assert posted.headers["Cache-Control"] == "no-store"  # every API answer's default
        assert "ETag" not in posted.headers
