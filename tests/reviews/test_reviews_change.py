"""reviewUpdate and reviewDelete: the author or an administrator; the rating follows."""

from __future__ import annotations

from typing import Any

import pytest
from bson import ObjectId

from resolvers.global_ids import to_global_id
from tests.accounts.accounts_helpers import error_code
from tests.graphql_client import gql
from tests.reviews.helpers import (
    DELETE,
    UPDATE,
    Person,
    ReviewsApp,
    add_course,
    aggregate_of,
    catalogue_entry,
    create,
    eligible_student,
    mutate,
    new_admin,
    new_student,
    result_of,
    snapshot,
    stored_rating,
)


def _reviewed(app: ReviewsApp, rating: int = 5) -> tuple[ObjectId, Person, str]:
    """A course, a student who reviewed it, and the review's global ID."""
    course_id = add_course(app)
    author = eligible_student(app, course_id)
    created = create(app, author, course_id, rating=rating, comment="First thoughts.")
    return course_id, author, created["review"]["id"]


def test_the_author_changes_the_rating_and_the_payload_shows_it(reviews_app: ReviewsApp) -> None:
    course_id, author, review_id = _reviewed(reviews_app, rating=5)
    create(reviews_app, eligible_student(reviews_app, course_id), course_id, rating=4)
    result = result_of(mutate(reviews_app, UPDATE, author.token, reviewId=review_id, rating=2))
    assert result["__typename"] == "ReviewPayload"
    assert result["review"]["rating"] == 2
    assert result["review"]["comment"] == "First thoughts."  # left out: kept
    assert result["course"]["ratingAverage"] == 3.0
    assert result["course"]["reviewCount"] == 2
    assert stored_rating(reviews_app.db, course_id) == {
        "ratingCount": 2,
        "ratingSum": 6,
        "ratingAverage": 3.0,
    }
    assert catalogue_entry(reviews_app, course_id)["ratingAverage"] == 3.0


def test_a_comment_alone_changes_and_null_keeps_the_rating(reviews_app: ReviewsApp) -> None:
    _, author, review_id = _reviewed(reviews_app, rating=4)
    body = mutate(
        reviews_app, UPDATE, author.token, reviewId=review_id, rating=None, comment="  Better. "
    )
    result = result_of(body)
    assert (result["review"]["rating"], result["review"]["comment"]) == (4, "Better.")
    assert result["review"]["updatedAt"] > result["review"]["createdAt"]
    stored = reviews_app.db.reviews.find_one()
    assert stored is not None
    assert (stored["rating"], stored["comment"]) == (4, "Better.")
    assert stored["updatedAt"] > stored["createdAt"]


def test_an_administrator_may_change_and_delete_any_review(reviews_app: ReviewsApp) -> None:
    course_id, _, review_id = _reviewed(reviews_app, rating=1)
    admin = new_admin(reviews_app)
    updated = result_of(
        mutate(reviews_app, UPDATE, admin.token, reviewId=review_id, comment="[removed]")
    )
    assert updated["review"]["comment"] == "[removed]"
    deleted = result_of(mutate(reviews_app, DELETE, admin.token, reviewId=review_id))
    assert deleted["__typename"] == "ReviewDeletePayload"
    assert reviews_app.db.reviews.count_documents({}) == 0
    assert stored_rating(reviews_app.db, course_id) == aggregate_of(reviews_app.db, course_id)


def test_the_author_deletes_and_the_rating_forgets_the_review(reviews_app: ReviewsApp) -> None:
    course_id, author, review_id = _reviewed(reviews_app, rating=2)
    create(reviews_app, eligible_student(reviews_app, course_id), course_id, rating=5)
    result = result_of(mutate(reviews_app, DELETE, author.token, reviewId=review_id))
    assert result == {
        "__typename": "ReviewDeletePayload",
        "deletedReviewId": review_id,
        "course": {
            "id": to_global_id("Course", course_id),
            "ratingAverage": 5.0,
            "reviewCount": 1,
        },
    }
    assert stored_rating(reviews_app.db, course_id) == {
        "ratingCount": 1,
        "ratingSum": 5,
        "ratingAverage": 5.0,
    }
    # The author may review the course again.
    assert create(reviews_app, author, course_id, rating=3)["__typename"] == "ReviewPayload"


def test_deleting_the_last_review_leaves_the_course_unrated(reviews_app: ReviewsApp) -> None:
    course_id, author, review_id = _reviewed(reviews_app)
    result = result_of(mutate(reviews_app, DELETE, author.token, reviewId=review_id))
    assert result["course"]["ratingAverage"] is None
    assert result["course"]["reviewCount"] == 0
    assert stored_rating(reviews_app.db, course_id) == {
        "ratingCount": 0,
        "ratingSum": 0,
        "ratingAverage": 0.0,
    }
    again = result_of(mutate(reviews_app, DELETE, author.token, reviewId=review_id))
    assert (again["__typename"], again["field"]) == ("NotFound", "reviewId")


@pytest.mark.parametrize("who", ["another student", "the course's instructor"])
@pytest.mark.parametrize("operation", [UPDATE, DELETE])
def test_nobody_else_may_change_a_review(reviews_app: ReviewsApp, operation: str, who: str) -> None:
    course_id, _, review_id = _reviewed(reviews_app)
    # Even a student who could review the course themselves.
    other = eligible_student(reviews_app, course_id)
    if who == "the course's instructor":
        reviews_app.db.users.update_one({"_id": other.user_id}, {"$set": {"roles": ["INSTRUCTOR"]}})
        reviews_app.db.courses.update_one(
            {"_id": course_id}, {"$push": {"instructorIds": other.user_id}}
        )
    before = snapshot(reviews_app.db)
    changes = {"rating": 1} if operation == UPDATE else {}
    body = mutate(reviews_app, operation, other.token, reviewId=review_id, **changes)
    assert body["data"] is None
    assert error_code(body) == "FORBIDDEN"
    assert snapshot(reviews_app.db) == before


@pytest.mark.parametrize("operation", [UPDATE, DELETE])
def test_anonymous_visitors_must_log_in(reviews_app: ReviewsApp, operation: str) -> None:
    _, _, review_id = _reviewed(reviews_app)
    before = snapshot(reviews_app.db)
    body = mutate(reviews_app, operation, None, reviewId=review_id)
    assert error_code(body) == "UNAUTHENTICATED"
    assert snapshot(reviews_app.db) == before


def test_a_demoted_administrator_loses_the_right_at_once(reviews_app: ReviewsApp) -> None:
    _, _, review_id = _reviewed(reviews_app)
    admin = new_admin(reviews_app)
    reviews_app.db.users.update_one({"_id": admin.user_id}, {"$set": {"roles": ["STUDENT"]}})
    before = snapshot(reviews_app.db)
    body = mutate(reviews_app, DELETE, admin.token, reviewId=review_id)
    assert error_code(body) == "FORBIDDEN"
    assert snapshot(reviews_app.db) == before


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"rating": 0}, "rating", "from 1 to 5"),
        ({"rating": 9}, "rating", "from 1 to 5"),
        ({"comment": "z" * 2001}, "comment", "at most 2000"),
        ({"comment": "a\u200bb\u0007"}, "comment", "invisible"),
        ({"reviewId": "%%%"}, "reviewId", "not a valid ID"),
        ({"reviewId": to_global_id("Course", ObjectId())}, "reviewId", "ID of a Review"),
    ],
)
def test_bad_changes_are_refused_and_change_nothing(
    reviews_app: ReviewsApp, fields: dict[str, Any], field: str, message: str
) -> None:
    _, author, review_id = _reviewed(reviews_app)
    before = snapshot(reviews_app.db)
    given = {"reviewId": review_id, "rating": 3, "comment": "ok", **fields}
    result = result_of(mutate(reviews_app, UPDATE, author.token, **given))
    assert (result["__typename"], result["field"]) == ("ValidationError", field)
    assert message in result["message"]
    assert snapshot(reviews_app.db) == before


def test_a_bad_id_to_delete_is_refused(reviews_app: ReviewsApp) -> None:
    _, author, _ = _reviewed(reviews_app)
    before = snapshot(reviews_app.db)
    result = result_of(mutate(reviews_app, DELETE, author.token, reviewId="nope"))
    assert (result["__typename"], result["field"]) == ("ValidationError", "reviewId")
    assert snapshot(reviews_app.db) == before


@pytest.mark.parametrize("operation", [UPDATE, DELETE])
def test_an_unknown_review_is_not_found(reviews_app: ReviewsApp, operation: str) -> None:
    student = new_student(reviews_app)
    missing = to_global_id("Review", ObjectId())
    result = result_of(mutate(reviews_app, operation, student.token, reviewId=missing))
    assert result["__typename"] == "NotFound"
    assert (result["code"], result["field"]) == ("NOT_FOUND", "reviewId")


UPDATE_THEN_DELETE = """mutation Both($update: ReviewUpdateInput!, $delete: ReviewDeleteInput!) {
  updated: reviewUpdate(input: $update) {
    ... on ReviewPayload { course { reviews(first: 10) { edges { node { id rating } } } } }
  }
  deleted: reviewDelete(input: $delete) {
    ... on ReviewDeletePayload {
      course { reviewCount reviews(first: 10) { edges { node { id } } } }
    }
  }
}"""


def test_each_payload_shows_its_write_even_within_one_request(reviews_app: ReviewsApp) -> None:
    course_id, author, review_id = _reviewed(reviews_app, rating=5)
    other = create(reviews_app, eligible_student(reviews_app, course_id), course_id, rating=4)
    body = gql(
        reviews_app.client,
        UPDATE_THEN_DELETE,
        {"update": {"reviewId": review_id, "rating": 1}, "delete": {"reviewId": review_id}},
        token=author.token,
    )
    assert "errors" not in body, body
    # The first mutation read the course's reviews after changing one...
    seen = {
        e["node"]["id"]: e["node"]["rating"]
        for e in body["data"]["updated"]["course"]["reviews"]["edges"]
    }
    assert seen == {review_id: 1, other["review"]["id"]: 4}
    # ...and the second, in the same request, does not get that page back from a loader.
    course = body["data"]["deleted"]["course"]
    assert course["reviewCount"] == 1
    assert [edge["node"]["id"] for edge in course["reviews"]["edges"]] == [other["review"]["id"]]
