"""A database of its own per test, with a course, an admin and students; the app over
it with the response cache on (memory store), and the same app without it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from pymongo import MongoClient

from server.app import create_app
from server.settings import Settings
from tests.accounts.accounts_helpers import RELAXED
from tests.command_counter import CommandCounter
from tests.enrollment.enrollment_helpers import (
    Academy,
    Cohort,
    insert_course,
    signed_up_cohort,
)

STUDENTS = 40


@pytest.fixture(scope="module")
def people(make_settings: Callable[..., Settings]) -> Iterator[Cohort]:
    """An admin and students, signed up once; their tokens work in every database."""
    with signed_up_cohort(make_settings, STUDENTS) as cohort:
        yield cohort


@pytest.fixture
def cached_settings(make_settings: Callable[..., Settings], fresh_db_name: str) -> Settings:
    return make_settings(fresh_db_name, response_cache=True, **RELAXED)


@pytest.fixture
def uncached_settings(cached_settings: Settings) -> Settings:
    return cached_settings.model_copy(update={"response_cache": False})


@pytest.fixture
def academy(cached_settings: Settings, people: Cohort) -> Iterator[Academy]:
    raw: MongoClient[dict[str, Any]] = MongoClient(cached_settings.database_uri(), tz_aware=True)
    db = raw[cached_settings.database_name]
    db.users.insert_many(people.users)
    course_id = insert_course(db)
    db.courses.update_one({"_id": course_id}, {"$set": {"instructorIds": [people.admin.user_id]}})
    yield Academy(db=db, admin=people.admin, students=people.students, course_id=course_id)
    raw.drop_database(cached_settings.database_name)
    raw.close()


@asynccontextmanager
async def served(
    settings: Settings, counter: CommandCounter | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan in this event loop; `counter` sees its MongoDB commands."""
    app = create_app(settings, event_listeners=[counter] if counter is not None else [])
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client
