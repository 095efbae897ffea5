"""reviewCreate: who may review, what is accepted, one review per student per course."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from bson import ObjectId

from resolvers.global_ids import to_global_id
from tests.accounts.accounts_helpers import error_code
from tests.reviews.helpers import (
    CREATE,
    ReviewsApp,
    add_course,
    aggregate_of,
    catalogue_entry,
    create,
    eligible_student,
    make_eligible,
    mutate,
    new_admin,
    new_student,
    result_of,
    snapshot,
    stored_rating,
)


def test_an_enrolled_student_reviews_a_course(reviews_app: ReviewsApp) -> None:
    course_id = add_course(reviews_app)
    student = eligible_student(reviews_app, course_id)
    result = create(
        reviews_app, student, course_id, rating=4, comment="  Clear labs.\n\nGood pace. "
    )
    assert result["__typename"] == "ReviewPayload"
    review = result["review"]
    assert review["rating"] == 4
    assert review["comment"] == "Clear labs.\n\nGood pace."
    assert review["author"]["id"] == student.gid
    # The payload shows the write: the course is read after its rating was recomputed.
    course_gid = to_global_id("Course", course_id)
    assert review["course"] == {"id": course_gid, "reviewCount": 1}
    assert result["course"] == {"id": course_gid, "ratingAverage": 4.0, "reviewCount": 1}

    stored = reviews_app.db.reviews.find_one()
    assert stored is not None
    assert review["id"] == to_global_id("Review", stored["_id"])
    assert (stored["courseId"], stored["authorId"], stored["rating"]) == (
        course_id,
        student.user_id,
        4,
    )
    assert stored_rating(reviews_app.db, course_id) == {
        "ratingCount": 1,
        "ratingSum": 4,
        "ratingAverage": 4.0,
    }
    # The next request's catalogue, ordered by rating, shows it too.
    assert catalogue_entry(reviews_app, course_id) == {
        "id": course_gid,
        "ratingAverage": 4.0,
        "reviewCount": 1,
    }


def test_the_average_follows_every_review(reviews_app: ReviewsApp) -> None:
    course_id = add_course(reviews_app)
    for rating in (5, 4, 4):
        last = create(reviews_app, eligible_student(reviews_app, course_id), course_id, rating)
    assert last["course"]["ratingAverage"] == 4.33
    assert last["course"]["reviewCount"] == 3
    assert stored_rating(reviews_app.db, course_id) == aggregate_of(reviews_app.db, course_id)
    assert stored_rating(reviews_app.db, course_id)["ratingAverage"] == 4.3333


def test_a_completed_enrolment_counts_and_the_comment_may_be_left_out(
    reviews_app: ReviewsApp,
) -> None:
    course_id = add_course(reviews_app)
    student = new_student(reviews_app)
    make_eligible(reviews_app, student, course_id, status="COMPLETED")
    body = mutate(
        reviews_app, CREATE, student.token, courseId=to_global_id("Course", course_id), rating=3
    )
    result = result_of(body)
    assert result["__typename"] == "ReviewPayload"
    assert result["review"]["comment"] == ""


def test_a_second_review_of_the_same_course_is_refused(reviews_app: ReviewsApp) -> None:
    course_id = add_course(reviews_app)
    student = eligible_student(reviews_app, course_id)
    assert create(reviews_app, student, course_id, rating=5)["__typename"] == "ReviewPayload"
    before = snapshot(reviews_app.db)
    again = create(reviews_app, student, course_id, rating=1)
    assert again["__typename"] == "AlreadyReviewed"
    assert again["code"] == "ALREADY_REVIEWED"
    assert snapshot(reviews_app.db) == before


def test_simultaneous_first_reviews_by_one_student_store_one(reviews_app: ReviewsApp) -> None:
    course_id = add_course(reviews_app)
    student = eligible_student(reviews_app, course_id)
    with ThreadPoolExecutor(10) as pool:
        results = list(
            pool.map(lambda n: create(reviews_app, student, course_id, n % 5 + 1), range(10))
        )
    kinds = sorted(result["__typename"] for result in results)
    assert kinds == ["AlreadyReviewed"] * 9 + ["ReviewPayload"]
    assert reviews_app.db.reviews.count_documents({}) == 1
    assert stored_rating(reviews_app.db, course_id) == aggregate_of(reviews_app.db, course_id)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"rating": 0}, "rating", "from 1 to 5"),
        ({"rating": 6}, "rating", "from 1 to 5"),
        ({"rating": -3}, "rating", "from 1 to 5"),
        ({"comment": "x" * 2001}, "comment", "at most 2000"),
        ({"comment": "fine\u0000hidden"}, "comment", "invisible"),
        ({"courseId": "not-an-id"}, "courseId", "not a valid ID"),
        ({"courseId": to_global_id("User", ObjectId())}, "courseId", "must be the ID of a Course"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    reviews_app: ReviewsApp, fields: dict[str, Any], field: str, message: str
) -> None:
    course_id = add_course(reviews_app)
    student = eligible_student(reviews_app, course_id)
    before = snapshot(reviews_app.db)
    given = {"courseId": to_global_id("Course", course_id), "rating": 4, "comment": "ok", **fields}
    result = result_of(mutate(reviews_app, CREATE, student.token, **given))
    assert result["__typename"] == "ValidationError"
    assert result["code"] == "VALIDATION_ERROR"
    assert result["field"] == field
    assert message in result["message"]
    assert snapshot(reviews_app.db) == before


def test_a_comment_of_2000_characters_after_trimming_is_accepted(reviews_app: ReviewsApp) -> None:
    course_id = add_course(reviews_app)
    student = eligible_student(reviews_app, course_id)
    result = create(reviews_app, student, course_id, comment="  " + "y" * 2000 + "\n ")
    assert result["__typename"] == "ReviewPayload"
    assert result["review"]["comment"] == "y" * 2000


def test_a_rating_that_is_not_an_integer_never_reaches_the_resolver(
    reviews_app: ReviewsApp,
) -> None:
    course_id = add_course(reviews_app)
    student = eligible_student(reviews_app, course_id)
    before = snapshot(reviews_app.db)
    course = to_global_id("Course", course_id)
    body = mutate(reviews_app, CREATE, student.token, courseId=course, rating=4.5)
    assert body.get("data") is None
    assert error_code(body) == "GRAPHQL_VALIDATION_FAILED"
    assert snapshot(reviews_app.db) == before


@pytest.mark.parametrize("published", [True, False])
def test_a_missing_or_unpublished_course_is_not_found(
    reviews_app: ReviewsApp, published: bool
) -> None:
    hidden = add_course(reviews_app, published=False)
    course_id = hidden if not published else ObjectId()
    student = new_student(reviews_app)
    if not published:
        make_eligible(reviews_app, student, hidden)
    before = snapshot(reviews_app.db)
    result = create(reviews_app, student, course_id)
    assert result["__typename"] == "NotFound"
    assert (result["code"], result["field"]) == ("NOT_FOUND", "courseId")
    assert snapshot(reviews_app.db) == before


def test_anonymous_visitors_must_log_in(reviews_app: ReviewsApp) -> None:
    course_id = add_course(reviews_app)
    before = snapshot(reviews_app.db)
    body = mutate(reviews_app, CREATE, None, courseId=to_global_id("Course", course_id), rating=5)
    assert body["data"] is None
    assert error_code(body) == "UNAUTHENTICATED"
    assert snapshot(reviews_app.db) == before


@pytest.mark.parametrize("status", [None, "WAITLISTED", "CANCELLED", "other course"])
def test_only_students_with_a_seat_in_the_course_may_review_it(
    reviews_app: ReviewsApp, status: str | None
) -> None:
    course_id = add_course(reviews_app)
    student = new_student(reviews_app)
    if status == "other course":
        make_eligible(reviews_app, student, add_course(reviews_app))
    elif status is not None:
        make_eligible(reviews_app, student, course_id, status=status)
    before = snapshot(reviews_app.db)
    body = mutate(
        reviews_app, CREATE, student.token, courseId=to_global_id("Course", course_id), rating=5
    )
    assert body["data"] is None
    assert error_code(body) == "FORBIDDEN"
    assert body["errors"][0]["path"] == ["reviewCreate"]
    assert snapshot(reviews_app.db) == before


def test_an_administrator_without_a_seat_may_not_review(reviews_app: ReviewsApp) -> None:
    course_id = add_course(reviews_app)
    admin = new_admin(reviews_app)
    body = mutate(
        reviews_app, CREATE, admin.token, courseId=to_global_id("Course", course_id), rating=5
    )
    assert error_code(body) == "FORBIDDEN"
    assert reviews_app.db.reviews.count_documents({}) == 0
