"""One database for the enrolment tests: a course, an admin and 250 students."""

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

STUDENTS = 250


@pytest.fixture(scope="module")
def people(make_settings: Callable[..., Settings]) -> Iterator[Cohort]:
    """An admin and the students, signed up once; their access tokens work in
    every database of the run (the signing keys are shared)."""
    with signed_up_cohort(make_settings, STUDENTS) as cohort:
        yield cohort


@pytest.fixture
def academy_settings(make_settings: Callable[..., Settings], fresh_db_name: str) -> Settings:
    # These tests check invariants under contention, with hundreds of requests in
    # flight on a shared machine: no request may be cut short by the latency limit
    # (tests/server/test_operation_timeout.py covers that limit).
    return make_settings(fresh_db_name, **RELAXED, operation_timeout_seconds=600)


@pytest.fixture
def academy(academy_settings: Settings, people: Cohort) -> Iterator[Academy]:
    """A database of its own per test (the embedded engine scans whole collections,
    so a test's cost must not grow with the ones before it), holding the cohort."""
    raw: MongoClient[dict[str, Any]] = MongoClient(academy_settings.database_uri(), tz_aware=True)
    db = raw[academy_settings.database_name]
    db.users.insert_many(people.users)
    yield Academy(db=db, admin=people.admin, students=people.students, course_id=insert_course(db))
    raw.drop_database(academy_settings.database_name)
    raw.close()
