"""A course, sessions and students for the enrolment tests, over one fresh database."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from bson import ObjectId
from pymongo import MongoClient
from pymongo.database import Database
from starlette.testclient import TestClient

from resolvers.global_ids import from_global_id, to_global_id
from server.app import create_app
from server.settings import Settings
from tests.accounts.accounts_helpers import RELAXED, agql, log_in, sign_up, unique_email

ENROLL = """
mutation Enroll($input: SessionEnrollInput!) {
  sessionEnroll(input: $input) {
    __typename
    ... on EnrollmentPayload { enrollment { id status waitlistPosition } }
    ... on MutationError { code message }
  }
}
"""
CANCEL = """
mutation Cancel($input: EnrollmentCancelInput!) {
  enrollmentCancel(input: $input) {
    __typename
    ... on EnrollmentPayload { enrollment { id status waitlistPosition } }
    ... on MutationError { code message }
  }
}
"""
CLASS_LIST = """
query ClassList($id: ID!, $after: String) {
  node(id: $id) {
    ... on Session {
      capacity seatsLeft waitlistLength
      enrollments(first: 100, after: $after) {
        pageInfo { hasNextPage endCursor }
        edges { node { id status waitlistPosition user { id } } }
      }
    }
  }
}
"""


@dataclass
class Student:
    user_id: ObjectId
    token: str


@dataclass
class Cohort:
    admin: Student
    students: list[Student]
    users: list[dict[str, Any]]


@dataclass
class Academy:
    """Raw access to the database, an admin and students with access tokens."""

    db: Database[dict[str, Any]]
    admin: Student
    students: list[Student] = field(default_factory=list)
    course_id: ObjectId = field(default_factory=ObjectId)

    def new_session(self, *, capacity: int, starts_in: timedelta = timedelta(days=30)) -> str:
        now = datetime.now(UTC)
        session_id = ObjectId()
        self.db.sessions.insert_one(
            {
                "_id": session_id,
                "courseId": self.course_id,
                "mode": "VIRTUAL",
                "campusId": None,
                "startsAt": now + starts_in,
                "endsAt": now + starts_in + timedelta(days=2),
                "capacity": capacity,
                "instructorId": self.admin.user_id,
                "meetingUrl": "https://meet.example.org/room",
                "createdAt": now,
                "updatedAt": now,
            }
        )
        return to_global_id("Session", session_id)


def insert_course(db: Database[dict[str, Any]], *, published: bool = True) -> ObjectId:
    now = datetime.now(UTC)
    course_id = ObjectId()
    db.courses.insert_one(
        {
            "_id": course_id,
            "slug": f"course-{course_id}",
            "title": "Concurrency in practice",
            "summary": "Seats and queues.",
            "description": "",
            "track": "CODING",
            "level": "ADVANCED",
            "tags": ["concurrency"],
            "instructorIds": [],
            "priceCents": 100,
            "durationHours": 10,
            "published": published,
            "ratingCount": 0,
            "ratingSum": 0,
            "ratingAverage": 0.0,
            "searchTerms": ["concurrency"],
            "createdAt": now,
            "updatedAt": now,
        }
    )
    return course_id


def sign_up_students(client: TestClient, count: int) -> list[Student]:
    students = []
    for _ in range(count):
        payload = sign_up(client, unique_email("student"), display_name="Student")
        assert payload["__typename"] == "AuthPayload", payload
        user_id = from_global_id(payload["user"]["id"]).id
        students.append(Student(user_id, payload["accessToken"]))
    return students


async def enroll(client: httpx.AsyncClient, student: Student, session_gid: str) -> dict[str, Any]:
    body = await agql(client, ENROLL, {"input": {"sessionId": session_gid}}, token=student.token)
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["sessionEnroll"]
    return result


async def cancel(
    client: httpx.AsyncClient, student: Student, enrollment_gid: str
) -> dict[str, Any]:
    body = await agql(
        client, CANCEL, {"input": {"enrollmentId": enrollment_gid}}, token=student.token
    )
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["enrollmentCancel"]
    return result


async def class_list(
    client: httpx.AsyncClient, admin: Student, session_gid: str
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The session's counts and every enrolment, page by page, as the admin sees them."""
    rows: list[dict[str, Any]] = []
    after = None
    while True:
        body = await agql(
            client, CLASS_LIST, {"id": session_gid, "after": after}, token=admin.token
        )
        assert "errors" not in body, body
        session = body["data"]["node"]
        rows += [edge["node"] for edge in session["enrollments"]["edges"]]
        if not session["enrollments"]["pageInfo"]["hasNextPage"]:
            return session, rows
        after = session["enrollments"]["pageInfo"]["endCursor"]


def by_status(rows: list[dict[str, Any]], status: str) -> list[dict[str, Any]]:
    return [row for row in rows if row["status"] == status]


Check = Callable[[list[dict[str, Any]]], None]


@contextmanager
def signed_up_cohort(make_settings: Callable[..., Settings], count: int) -> Iterator[Cohort]:
    """An admin and `count` students signed up in a database of their own; their
    access tokens work in every database of the run (the signing keys are shared)."""
    settings = make_settings(f"leeto_cohort_{uuid.uuid4().hex[:10]}", **RELAXED)
    raw: MongoClient[dict[str, Any]] = MongoClient(settings.database_uri(), tz_aware=True)
    db = raw[settings.database_name]
    admin_email = unique_email("admin")
    with TestClient(create_app(settings)) as client:
        admin_id = from_global_id(sign_up(client, admin_email)["user"]["id"]).id
        db.users.update_one({"_id": admin_id}, {"$set": {"roles": ["ADMIN"]}})
        admin = Student(admin_id, log_in(client, admin_email)["accessToken"])
        students = sign_up_students(client, count)
    try:
        yield Cohort(admin=admin, students=students, users=list(db.users.find()))
    finally:
        raw.drop_database(settings.database_name)
        raw.close()
