"""What one uncontended review write costs in MongoDB commands, payload included."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pymongo import MongoClient
from starlette.testclient import TestClient

from resolvers.global_ids import to_global_id
from server.app import create_app
from server.settings import Settings
from tests.accounts.accounts_helpers import RELAXED
from tests.command_counter import CommandCounter
from tests.reviews.helpers import (
    CREATE,
    DELETE,
    UPDATE,
    ReviewsApp,
    add_course,
    eligible_student,
    mutate,
    result_of,
)

# Read the course, the eligibility (4: the student's enrolments, their sessions,
# and the seat claims and enrolments that give their status), insert, then the
# rating: aggregate, $set, read back, aggregate; and the payload's author. The
# course and review in the payload come from the primed loaders.
CREATE_BUDGET = 11
# The review, the write, the rating (4) and the payload's author.
UPDATE_BUDGET = 7
DELETE_BUDGET = 6


def test_review_writes_stay_within_budget(
    make_settings: Callable[..., Settings], fresh_db_name: str
) -> None:
    settings = make_settings(fresh_db_name, **RELAXED)
    counter = CommandCounter()
    raw: MongoClient[dict[str, Any]] = MongoClient(settings.database_uri(), tz_aware=True)
    with TestClient(create_app(settings, event_listeners=[counter])) as client:
        app = ReviewsApp(client=client, db=raw[fresh_db_name])
        course_id = add_course(app)
        student = eligible_student(app, course_id)
        course = to_global_id("Course", course_id)

        counter.reset()
        created = result_of(mutate(app, CREATE, student.token, courseId=course, rating=4))
        assert created["course"]["reviewCount"] == 1
        assert counter.total <= CREATE_BUDGET, dict(counter.commands)

        review_id = created["review"]["id"]
        counter.reset()
        updated = result_of(mutate(app, UPDATE, student.token, reviewId=review_id, rating=2))
        assert updated["course"]["ratingAverage"] == 2.0
        assert counter.total <= UPDATE_BUDGET, dict(counter.commands)

        counter.reset()
        deleted = result_of(mutate(app, DELETE, student.token, reviewId=review_id))
        assert deleted["course"]["reviewCount"] == 0
        assert counter.total <= DELETE_BUDGET, dict(counter.commands)
    raw.close()
