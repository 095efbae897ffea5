"""50 simultaneous review writes on one course leave its rating exactly right.

On the embedded engine an update is a read followed by a write of the whole
document, so counters adjusted with `$inc` lose updates under this load; the
rating is recomputed from the reviews instead (datastore.ratings).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from bson import ObjectId

from datastore.ratings import MAX_ROUNDS
from resolvers.global_ids import to_global_id
from tests.graphql_client import gql
from tests.reviews.helpers import (
    CREATE,
    DELETE,
    UPDATE,
    Person,
    ReviewsApp,
    add_course,
    aggregate_of,
    catalogue_entry,
    create,
    eligible_student,
    new_admin,
    stored_rating,
)

WRITERS = 50
COURSE = "query Course($slug: String!) { course(slug: $slug) { ratingAverage reviewCount } }"
SETTLED = re.compile(r"(?:settled in|handed on after) (\d+) round")

Job = Callable[[], dict[str, Any]]


def _job(app: ReviewsApp, operation: str, person: Person, **input_fields: Any) -> Job:
    return lambda: gql(app.client, operation, {"input": input_fields}, token=person.token)


def _run_together(jobs: list[Job]) -> list[dict[str, Any]]:
    """Every job in its own thread, released at the same moment."""
    start = threading.Barrier(len(jobs))

    def run(job: Job) -> dict[str, Any]:
        start.wait()
        return job()

    with ThreadPoolExecutor(len(jobs)) as pool:
        return list(pool.map(run, jobs))


def _mixed_writes(app: ReviewsApp, course_id: ObjectId, admin: Person) -> list[Job]:
    """50 writes: 20 new reviews; of 25 existing ones, 12 changed and 8 deleted by their
    authors, and 5 deleted by their authors while an administrator changes them."""
    existing = []
    for n in range(25):
        author = eligible_student(app, course_id)
        existing.append((author, create(app, author, course_id, rating=n % 5 + 1)["review"]["id"]))
    newcomers = [eligible_student(app, course_id) for _ in range(20)]
    course = to_global_id("Course", course_id)
    jobs = [
        _job(app, CREATE, student, courseId=course, rating=n % 5 + 1, comment=f"New {n}.")
        for n, student in enumerate(newcomers)
    ]
    jobs += [
        _job(app, UPDATE, author, reviewId=review_id, rating=(n * 3) % 5 + 1)
        for n, (author, review_id) in enumerate(existing[:12])
    ]
    jobs += [_job(app, DELETE, author, reviewId=review_id) for author, review_id in existing[12:20]]
    for author, review_id in existing[20:]:
        jobs.append(_job(app, DELETE, author, reviewId=review_id))
        jobs.append(_job(app, UPDATE, admin, reviewId=review_id, rating=1, comment="Edited."))
    return jobs


def _check_consistent(app: ReviewsApp, course_id: ObjectId) -> dict[str, Any]:
    expected = aggregate_of(app.db, course_id)
    assert stored_rating(app.db, course_id) == expected
    count, total = expected["ratingCount"], expected["ratingSum"]
    api_average = round(total / count, 2) if count else None
    course = app.db.courses.find_one({"_id": course_id})
    assert course is not None
    body = gql(app.client, COURSE, {"slug": course["slug"]})
    assert body["data"]["course"] == {"ratingAverage": api_average, "reviewCount": count}
    entry = catalogue_entry(app, course_id)
    assert (entry["ratingAverage"], entry["reviewCount"]) == (api_average, count)
    return expected


@pytest.mark.parametrize("repeat", range(3))
def test_fifty_simultaneous_creates_updates_and_deletes_keep_the_rating_exact(
    reviews_app: ReviewsApp, caplog: pytest.LogCaptureFixture, repeat: int
) -> None:
    course_id = add_course(reviews_app)
    admin = new_admin(reviews_app)
    jobs = _mixed_writes(reviews_app, course_id, admin)
    assert len(jobs) == WRITERS
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="leeto.ratings"):
        bodies = _run_together(jobs)

    kinds: dict[str, int] = {}
    for body in bodies:
        assert "errors" not in body, body
        (result,) = body["data"].values()
        kinds[result["__typename"]] = kinds.get(result["__typename"], 0) + 1
    # Every create and author's write lands; an admin's change may find its review deleted.
    assert kinds.get("ReviewPayload", 0) >= 32
    assert kinds.get("ReviewDeletePayload", 0) == 13
    assert set(kinds) <= {"ReviewPayload", "ReviewDeletePayload", "NotFound"}

    _check_consistent(reviews_app, course_id)
    # Deleted reviews stay deleted, even those an administrator was changing meanwhile.
    assert reviews_app.db.reviews.count_documents({"courseId": course_id}) == 25 + 20 - 13
    # No writer gave up: each settled, or handed on to a later writer, within the bound.
    rounds = [int(m.group(1)) for r in caplog.records if (m := SETTLED.search(r.getMessage()))]
    assert len(rounds) == WRITERS - kinds.get("NotFound", 0)
    assert max(rounds) < MAX_ROUNDS
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
