"""The catalogue page costs a fixed number of MongoDB commands, whatever its size."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.settings import Settings
from tests.command_counter import CommandCounter
from tests.graphql_client import gql
from tests.operations import operation

BUDGET = 7
CATALOGUE_PAGE = operation("catalogue_page")


@pytest.fixture(scope="module")
def counted(seeded_settings: Settings) -> Iterator[tuple[TestClient, CommandCounter]]:
    counter = CommandCounter()
    with TestClient(create_app(seeded_settings, event_listeners=[counter])) as client:
        yield client, counter


def _count(client: TestClient, counter: CommandCounter, first: int, after: str | None = None):
    counter.reset()
    body = gql(client, CATALOGUE_PAGE, {"first": first, "after": after})
    assert "errors" not in body, body
    return counter.total, dict(counter.commands), body["data"]["courses"]


@pytest.mark.parametrize("first", [1, 20, 100])
def test_catalogue_page_stays_within_budget(
    counted: tuple[TestClient, CommandCounter], first: int
) -> None:
    client, counter = counted
    total, commands, page = _count(client, counter, first)
    assert len(page["edges"]) == min(first, 62)
    assert total <= BUDGET, commands


def test_catalogue_page_costs_the_same_for_20_and_100(
    counted: tuple[TestClient, CommandCounter],
) -> None:
    client, counter = counted
    small, small_commands, small_page = _count(client, counter, 20)
    large, large_commands, large_page = _count(client, counter, 100)
    assert small == large, (small_commands, large_commands)
    assert small_commands == large_commands

    # The large page really did load more nested data through the same commands.
    def sessions(page: dict) -> int:
        return sum(len(e["node"]["sessions"]["edges"]) for e in page["edges"])

    assert sessions(large_page) > sessions(small_page) > 0


def test_next_page_costs_the_same(counted: tuple[TestClient, CommandCounter]) -> None:
    client, counter = counted
    first_total, _, page = _count(client, counter, 20)
    second_total, commands, _ = _count(client, counter, 20, page["pageInfo"]["endCursor"])
    assert second_total == first_total, commands


def test_demo_sessions_are_taught_by_their_course_instructors(seeded_settings: Settings) -> None:
    # The budget counts on it: Session.instructor is then already in the user loader.
    from pymongo import MongoClient

    with MongoClient(seeded_settings.database_uri()) as client:
        db = client[seeded_settings.database_name]
        teachers = {c["_id"]: set(c["instructorIds"]) for c in db.courses.find()}
        sessions = list(db.sessions.find())
    assert sessions
    assert all(s["instructorId"] in teachers[s["courseId"]] for s in sessions)
