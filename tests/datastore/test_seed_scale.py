"""`leeto seed --scale N`: N copies of the demo catalogue, each under its own names."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from datastore.client import open_client
from server.cli import main
from server.seed import seed_database
from server.settings import Settings


def test_two_copies_double_every_collection_with_distinct_names(
    make_settings: Callable[..., Settings], fresh_db_name: str
) -> None:
    settings = make_settings(fresh_db_name)

    async def seed_and_read() -> tuple[dict[str, int], dict[str, int], list[dict]]:
        single = await seed_database(settings, scale=1)
        double = await seed_database(settings, scale=2)
        client = open_client(settings.database_uri())
        try:
            db = client[settings.database_name]
            courses = await db["courses"].find({}, {"slug": 1, "title": 1}).to_list()
            users = await db["users"].find({}, {"passwordHash": 1}).to_list()
            campuses = await db["campuses"].find({}, {"name": 1}).to_list()
        finally:
            await client.close()
        assert single is not None
        assert double is not None
        assert len({c["name"] for c in campuses}) == len(campuses)
        hashes = {u["passwordHash"] for u in users}
        # The first copy hashes each password; the second reuses one of those.
        assert len(hashes) == single["users"]
        return dict(single), dict(double), courses

    single, double, courses = asyncio.run(seed_and_read())
    for name in ("courses", "users", "campuses"):
        assert double[name] == 2 * single[name], name
    # Each copy draws its own schedule, so these are about twice as many.
    for name in ("sessions", "enrollments", "reviews"):
        assert 1.5 * single[name] < double[name] < 2.5 * single[name], name
    assert len({c["slug"] for c in courses}) == len(courses)
    copies = [c for c in courses if c["slug"].endswith("-c2")]
    assert len(copies) == single["courses"]
    assert all(c["title"].endswith(" (2)") for c in copies)


@pytest.mark.parametrize("scale", ["0", "101", "ten"])
def test_a_bad_scale_is_refused_before_anything_is_seeded(
    scale: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["seed", "--scale", scale])
    assert exited.value.code == 2
    assert "--scale" in capsys.readouterr().err
