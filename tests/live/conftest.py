"""Users signed up once per module, and a database of its own per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pymongo import MongoClient

from server.settings import Settings
from tests.accounts.accounts_helpers import RELAXED
from tests.enrollment.enrollment_helpers import (
    Academy,
    Cohort,
    insert_course,
    signed_up_cohort,
)

STUDENTS = 70


@pytest.fixture(scope="module")
def people(make_settings: Callable[..., Settings]) -> Iterator[Cohort]:
    """An admin and students; their access tokens work in every database of the run."""
    with signed_up_cohort(make_settings, STUDENTS) as cohort:
        yield cohort


@pytest.fixture
def academy_settings(make_settings: Callable[..., Settings], fresh_db_name: str) -> Settings:
    return make_settings(fresh_db_name, **RELAXED)


@pytest.fixture
def academy(academy_settings: Settings, people: Cohort) -> Iterator[Academy]:
    raw: MongoClient[dict[str, Any]] = MongoClient(academy_settings.database_uri(), tz_aware=True)
    db = raw[academy_settings.database_name]
    db.users.insert_many(people.users)
    yield Academy(db=db, admin=people.admin, students=people.students, course_id=insert_course(db))
    raw.drop_database(academy_settings.database_name)
    raw.close()
