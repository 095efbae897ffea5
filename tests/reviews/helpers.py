"""Operations and helpers shared by the review tests.

A student becomes eligible to review through `make_eligible` only, so the way
enrolments are made can change in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bson import ObjectId
from pymongo.database import Database
from starlette.testclient import TestClient

from resolvers.global_ids import from_global_id, to_global_id
from tests.accounts.accounts_helpers import log_in, sign_up, unique_email
from tests.graphql_client import gql

ERRORS = """
  ... on MutationError { code message }
  ... on ValidationError { field }
  ... on NotFound { field }
"""
COURSE_FIELDS = "course { id ratingAverage reviewCount }"
REVIEW_FIELDS = """review {
  id rating comment createdAt updatedAt author { id } course { id reviewCount }
}"""
CREATE = f"""mutation Create($input: ReviewCreateInput!) {{
  reviewCreate(input: $input) {{
    __typename
    ... on ReviewPayload {{ {REVIEW_FIELDS} {COURSE_FIELDS} }}
    {ERRORS}
  }}
}}"""
UPDATE = f"""mutation Update($input: ReviewUpdateInput!) {{
  reviewUpdate(input: $input) {{
    __typename
    ... on ReviewPayload {{ {REVIEW_FIELDS} {COURSE_FIELDS} }}
    {ERRORS}
  }}
}}"""
DELETE = f"""mutation Delete($input: ReviewDeleteInput!) {{
  reviewDelete(input: $input) {{
    __typename
    ... on ReviewDeletePayload {{ deletedReviewId {COURSE_FIELDS} }}
    {ERRORS}
  }}
}}"""
CATALOGUE = """query Catalogue {
  courses(first: 100, orderBy: RATING) { edges { node { id ratingAverage reviewCount } } }
}"""


@dataclass
class ReviewsApp:
    """The app over its own database, and a plain PyMongo view of that database."""

    client: TestClient
    db: Database[dict[str, Any]]


@dataclass(frozen=True)
class Person:
    token: str
    user_id: ObjectId

    @property
    def gid(self) -> str:
        return to_global_id("User", self.user_id)


def new_student(app: ReviewsApp) -> Person:
    signed_up = sign_up(app.client, unique_email("reviewer"))
    assert signed_up["__typename"] == "AuthPayload", signed_up
    return Person(signed_up["accessToken"], from_global_id(signed_up["user"]["id"]).id)


def new_admin(app: ReviewsApp) -> Person:
    """A user made administrator in the database (as `create-admin` would), logged in
    afterwards so the access token carries the role too."""
    email = unique_email("admin")
    signed_up = sign_up(app.client, email)
    user_id = from_global_id(signed_up["user"]["id"]).id
    app.db.users.update_one({"_id": user_id}, {"$set": {"roles": ["ADMIN"]}})
    logged_in = log_in(app.client, email)
    assert logged_in["__typename"] == "AuthPayload", logged_in
    return Person(logged_in["accessToken"], user_id)


def add_course(app: ReviewsApp, *, published: bool = True, sessions: int = 2) -> ObjectId:
    """A course with a few sessions, stored as the demo data stores them."""
    now = datetime.now(UTC)
    course_id = ObjectId()
    app.db.courses.insert_one(
        {
            "_id": course_id,
            "slug": f"course-{course_id}",
            "title": f"Course {course_id}",
            "summary": "A course to review.",
            "description": "A course to review.",
            "track": "WEB_DEVELOPMENT",
            "level": "BEGINNER",
            "tags": ["web"],
            "instructorIds": [],
            "priceCents": 250_000,
            "durationHours": 12,
            "published": published,
            "ratingCount": 0,
            "ratingSum": 0,
            "ratingAverage": 0.0,
            "searchTerms": ["course"],
            "createdAt": now,
            "updatedAt": now,
        }
    )
    for n in range(sessions):
        starts = now + timedelta(days=7 * (n - 1))
        app.db.sessions.insert_one(
            {
                "_id": ObjectId(),
                "courseId": course_id,
                "mode": "VIRTUAL",
                "campusId": None,
                "startsAt": starts,
                "endsAt": starts + timedelta(days=2),
                "capacity": 500,
                "instructorId": ObjectId(),
                "meetingUrl": "https://meet.leeto.dev/test",
                "createdAt": now,
                "updatedAt": now,
            }
        )
    return course_id


def make_eligible(
    app: ReviewsApp, student: Person, course_id: ObjectId, *, status: str = "ACTIVE"
) -> None:
    """Give the student an enrolment with `status` in one of the course's sessions.

    The one place tests make someone eligible to review. It writes what the
    enrolment code writes (datastore.seating): an enrolment, plus a seat claim
    when seated; COMPLETED is a seat in a session that has ended.
    """
    now = datetime.now(UTC)
    ended = {"endsAt": {"$lt": now}} if status == "COMPLETED" else {"endsAt": {"$gt": now}}
    session = app.db.sessions.find_one({"courseId": course_id, **ended})
    assert session is not None, "the course has no such session"
    enrollment: dict[str, Any] = {
        "_id": ObjectId(),
        "sessionId": session["_id"],
        "userId": student.user_id,
        "attempt": 1
        + app.db.enrollments.count_documents(
            {"sessionId": session["_id"], "userId": student.user_id}
        ),
        "createdAt": now,
        "updatedAt": now,
    }
    if status == "CANCELLED":
        enrollment["cancelledAt"] = now
    app.db.enrollments.insert_one(enrollment)
    if status in {"ACTIVE", "COMPLETED"}:
        seat = 1 + app.db.seatClaims.count_documents({"sessionId": session["_id"]})
        app.db.seatClaims.insert_one(
            {
                "_id": f"{session['_id']}:{seat}:1",
                "sessionId": session["_id"],
                "seat": seat,
                "gen": 1,
                "kind": "SEAT",
                "holderId": enrollment["_id"],
                "delta": 1,
                "createdAt": now,
            }
        )


def eligible_student(app: ReviewsApp, course_id: ObjectId) -> Person:
    student = new_student(app)
    make_eligible(app, student, course_id)
    return student


def mutate(
    app: ReviewsApp, operation: str, token: str | None, **input_fields: Any
) -> dict[str, Any]:
    """The whole response body of one review mutation."""
    return gql(app.client, operation, {"input": input_fields}, token=token)


def result_of(body: dict[str, Any]) -> dict[str, Any]:
    """The mutation's result; the request must have had no errors."""
    assert "errors" not in body, body
    (result,) = body["data"].values()
    assert isinstance(result, dict)
    return result


def create(
    app: ReviewsApp, student: Person, course_id: ObjectId, rating: int = 5, comment: str = "Good."
) -> dict[str, Any]:
    course = to_global_id("Course", course_id)
    body = mutate(app, CREATE, student.token, courseId=course, rating=rating, comment=comment)
    return result_of(body)


def aggregate_of(db: Database[dict[str, Any]], course_id: ObjectId) -> dict[str, Any]:
    """The rating fields as they should be, computed here from the raw reviews."""
    ratings = [doc["rating"] for doc in db.reviews.find({"courseId": course_id})]
    count, total = len(ratings), sum(ratings)
    return {
        "ratingCount": count,
        "ratingSum": total,
        "ratingAverage": round(total / count, 4) if count else 0.0,
    }


def stored_rating(db: Database[dict[str, Any]], course_id: ObjectId) -> dict[str, Any]:
    course = db.courses.find_one({"_id": course_id})
    assert course is not None
    return {field: course[field] for field in ("ratingCount", "ratingSum", "ratingAverage")}


def snapshot(db: Database[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Everything a review write may touch, to show that a refused one changed nothing."""
    return {
        name: list(db[name].find({}, sort=[("_id", 1)]))
        for name in ("reviews", "courses", "enrollments")
    }


def catalogue_entry(app: ReviewsApp, course_id: ObjectId) -> dict[str, Any]:
    """The course as the next request's catalogue (ordered by rating) shows it."""
    body = gql(app.client, CATALOGUE)
    assert "errors" not in body, body
    wanted = to_global_id("Course", course_id)
    for edge in body["data"]["courses"]["edges"]:
        if edge["node"]["id"] == wanted:
            node: dict[str, Any] = edge["node"]
            return node
    raise AssertionError("the course is not in the catalogue")
