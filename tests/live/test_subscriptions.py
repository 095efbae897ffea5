"""Subscriptions in process: Starlette's TestClient WebSocket into the app, writes over HTTP."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from live.fanout import Fanout
from resolvers.global_ids import from_global_id, to_global_id
from server.app import create_app
from server.auth_setup import access_tokens_from
from server.settings import Settings
from tests.enrollment.enrollment_helpers import CANCEL, ENROLL, Academy, Student
from tests.graphql_client import gql
from tests.live.live_helpers import (
    COURSE_UPDATED,
    MY_ENROLMENTS,
    PROTOCOL,
    SESSION_SEATS,
    Socket,
    in_process_socket,
)

SESSION_CANCEL = """
mutation Cancel($input: SessionCancelInput!) {
  sessionCancel(input: $input) { __typename }
}
"""
COURSE_UPDATE = """
mutation Edit($input: CourseUpdateInput!) {
  courseUpdate(input: $input) { __typename }
}
"""
VIEWER = "query Me { viewer { id } }"


@contextmanager
def socket(client: TestClient, token: str | None = None) -> Iterator[Socket]:
    with client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as session:
        ws = in_process_socket(session)
        ws.init(token)
        yield ws


def wait_subscribed(client: TestClient, channel: str) -> None:
    """Until the app's broker has a subscriber on `channel` (nothing is sent before
    a first event on the viewer's and course streams)."""
    fanout: Fanout = client.app.state.events.fanout  # type: ignore[attr-defined]
    deadline = time.monotonic() + 10
    while channel not in fanout.channels:
        assert time.monotonic() < deadline, f"nobody subscribed to {channel}"
        time.sleep(0.02)


def enroll(client: TestClient, student: Student, session: str) -> dict[str, Any]:
    body = gql(client, ENROLL, {"input": {"sessionId": session}}, token=student.token)
    result: dict[str, Any] = body["data"]["sessionEnroll"]
    assert result["__typename"] == "EnrollmentPayload", body
    return result["enrollment"]


def cancel(client: TestClient, student: Student, enrollment: str) -> None:
    body = gql(client, CANCEL, {"input": {"enrollmentId": enrollment}}, token=student.token)
    assert body["data"]["enrollmentCancel"]["__typename"] == "EnrollmentPayload", body


@pytest.fixture
def client(academy_settings: Settings, academy: Academy) -> Iterator[TestClient]:
    with TestClient(create_app(academy_settings)) as test_client:
        yield test_client


def seats(data: dict[str, Any]) -> tuple[int, int, int, str]:
    s = data["sessionSeats"]
    return s["version"], s["seatsLeft"], s["waitlistLength"], s["reason"]


def test_seat_changes_arrive_in_version_order(client: TestClient, academy: Academy) -> None:
    session = academy.new_session(capacity=2)
    first, second, third = academy.students[:3]
    with socket(client) as ws:  # anonymous: seat counts are public
        ws.subscribe("s", SESSION_SEATS, {"id": session})
        now = ws.next("s")["sessionSeats"]
        assert now["sessionId"] == session
        assert seats({"sessionSeats": now}) == (0, 2, 0, "CURRENT")
        enrolled = enroll(client, first, session)
        enroll(client, second, session)
        assert enroll(client, third, session)["status"] == "WAITLISTED"
        cancel(client, first, enrolled["id"])
        received = [seats(ws.next("s")) for _ in range(4)]
    # Versions count the changes: an enrolment and its seat claim, an enrolment
    # waiting, a cancellation and the claim seating the third student.
    assert received == [
        (2, 1, 0, "ENROLLED"),
        (4, 0, 0, "ENROLLED"),
        (5, 0, 1, "ENROLLED"),
        (7, 0, 0, "CANCELLED_BY_USER"),  # the third student took the freed seat
    ]


def test_a_waitlisted_student_hears_of_their_promotion(
    client: TestClient, academy: Academy
) -> None:
    session = academy.new_session(capacity=1)
    seated, waiting = academy.students[:2]
    seat = enroll(client, seated, session)
    place = enroll(client, waiting, session)
    assert place["status"] == "WAITLISTED"
    with socket(client, waiting.token) as ws:
        ws.subscribe("mine", MY_ENROLMENTS)
        wait_subscribed(client, f"enrollments:{waiting.user_id}")
        cancel(client, seated, seat["id"])
        update = ws.next("mine")["viewerEnrollmentUpdated"]
    assert update["reason"] == "PROMOTED"
    assert update["enrollment"] == {"id": place["id"], "status": "ACTIVE", "waitlistPosition": None}


def test_a_cancelled_session_reaches_its_students(client: TestClient, academy: Academy) -> None:
    session = academy.new_session(capacity=5)
    student = academy.students[0]
    enrolment = enroll(client, student, session)
    with socket(client, student.token) as ws:
        ws.subscribe("mine", MY_ENROLMENTS)
        ws.subscribe("seats", SESSION_SEATS, {"id": session})
        assert seats(ws.next("seats")) == (2, 4, 0, "CURRENT")
        wait_subscribed(client, f"enrollments:{student.user_id}")
        body = gql(
            client, SESSION_CANCEL, {"input": {"sessionId": session}}, token=academy.admin.token
        )
        assert body["data"]["sessionCancel"]["__typename"] == "SessionPayload", body
        update = ws.next("mine")["viewerEnrollmentUpdated"]
        assert seats(ws.next("seats")) == (4, 0, 0, "SESSION_CANCELLED")
    assert update["reason"] == "SESSION_CANCELLED"
    assert update["enrollment"]["id"] == enrolment["id"]
    assert update["enrollment"]["status"] == "CANCELLED"


def test_operations_on_one_socket_keep_their_own_state(
    client: TestClient, academy: Academy
) -> None:
    """A subscription lives on while other operations come and go on its socket."""
    session = academy.new_session(capacity=3)
    student, other = academy.students[:2]
    with socket(client, student.token) as ws:
        ws.subscribe("mine", MY_ENROLMENTS)
        ws.subscribe("seats", SESSION_SEATS, {"id": session})
        assert seats(ws.next("seats"))[0] == 0
        wait_subscribed(client, f"enrollments:{student.user_id}")
        for n in range(3):
            ws.subscribe(f"q{n}", VIEWER)
            assert ws.next(f"q{n}") == {"viewer": {"id": to_global_id("User", student.user_id)}}
            assert ws.message(f"q{n}") == {"id": f"q{n}", "type": "complete"}
        enroll(client, other, session)
        assert seats(ws.next("seats"))[:3] == (2, 2, 0)
        ws.complete("seats")
        mine = enroll(client, student, session)
        update = ws.next("mine")["viewerEnrollmentUpdated"]
    # Only the student's own enrolment, as the student's own operation sees it.
    assert update["enrollment"]["id"] == mine["id"]
    assert update["reason"] == "ENROLLED"


def test_a_subscription_ends_when_its_token_expires(
    client: TestClient, academy: Academy, academy_settings: Settings
) -> None:
    session = academy.new_session(capacity=3)
    student = academy.students[0]
    tokens = access_tokens_from(academy_settings)
    # Valid now only thanks to the verification leeway, expired two seconds later.
    issued_at = datetime.now(UTC) - tokens.ttl - timedelta(seconds=30) + timedelta(seconds=2)
    short = tokens.issue(str(student.user_id), ["STUDENT"], now=issued_at).token
    with socket(client, short) as ws:
        ws.subscribe("seats", SESSION_SEATS, {"id": session})
        assert seats(ws.next("seats"))[0] == 0
        error = ws.error_then_complete("seats", seconds=15)
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
    assert error["extensions"]["reason"] == "TOKEN_EXPIRED"


def test_an_instructor_who_loses_the_course_stops_hearing_of_it(
    client: TestClient, academy: Academy
) -> None:
    instructor, outsider = academy.students[:2]
    academy.db.users.update_one({"_id": instructor.user_id}, {"$set": {"roles": ["INSTRUCTOR"]}})
    academy.db.courses.update_one(
        {"_id": academy.course_id}, {"$set": {"instructorIds": [instructor.user_id]}}
    )
    course = to_global_id("Course", academy.course_id)

    def edit(title: str) -> None:
        body = gql(
            client,
            COURSE_UPDATE,
            {"input": {"courseId": course, "title": title}},
            token=academy.admin.token,
        )
        assert body["data"]["courseUpdate"]["__typename"] == "CourseUpdatePayload", body

    with socket(client, outsider.token) as ws:
        ws.subscribe("edits", COURSE_UPDATED, {"id": course})
        assert ws.error_then_complete("edits")["extensions"]["code"] == "FORBIDDEN"
        ws.subscribe("nothing", COURSE_UPDATED, {"id": to_global_id("Course", "0" * 24)})
        assert ws.error_then_complete("nothing")["extensions"]["code"] == "NOT_FOUND"
    with socket(client, instructor.token) as ws:
        ws.subscribe("edits", COURSE_UPDATED, {"id": course})
        wait_subscribed(client, f"course:{academy.course_id}")
        edit("Concurrency, revised")
        update = ws.next("edits")["courseUpdated"]
        assert update == {
            "reason": "COURSE_UPDATED",
            "course": {"id": course, "title": "Concurrency, revised"},
        }
        academy.db.courses.update_one({"_id": academy.course_id}, {"$set": {"instructorIds": []}})
        edit("Concurrency, third edition")
        error = ws.error_then_complete("edits")
    assert error["extensions"]["code"] == "FORBIDDEN"


def test_unknown_ids_are_typed_errors(client: TestClient, academy: Academy) -> None:
    with socket(client) as ws:
        ws.subscribe("a", SESSION_SEATS, {"id": to_global_id("Session", "0" * 24)})
        assert ws.error_then_complete("a")["extensions"]["code"] == "NOT_FOUND"
        ws.subscribe("b", SESSION_SEATS, {"id": "not an id"})
        assert ws.error_then_complete("b")["extensions"]["code"] == "BAD_USER_INPUT"
        ws.subscribe("c", MY_ENROLMENTS)
        assert ws.error_then_complete("c")["extensions"]["code"] == "UNAUTHENTICATED"


def test_a_subscriber_too_slow_for_its_events_is_ended(
    academy_settings: Settings, academy: Academy
) -> None:
    settings = academy_settings.model_copy(update={"subscription_queue_size": 2})
    busy, calm = academy.new_session(capacity=3), academy.new_session(capacity=3)
    busy_id = from_global_id(busy).id
    with TestClient(create_app(settings)) as app_client, socket(app_client) as ws:
        ws.subscribe("busy", SESSION_SEATS, {"id": busy})
        ws.subscribe("calm", SESSION_SEATS, {"id": calm})
        assert seats(ws.next("busy"))[0] == seats(ws.next("calm"))[0] == 0
        broker = app_client.app.state.events  # type: ignore[attr-defined]

        async def burst() -> None:
            # Published back to back, faster than any subscriber can take them.
            for version in range(1, 6):
                event = {"version": version, "seatsLeft": 3, "waitlistLength": 0, "reason": "X"}
                await broker.publish(f"seats:{busy_id}", event)

        app_client.portal.call(burst)
        error = ws.error_then_complete("busy")
        assert error["extensions"]["code"] == "SLOW_CONSUMER"
        enroll(app_client, academy.students[0], calm)
        assert seats(ws.next("calm")) == (2, 2, 0, "ENROLLED")


def test_subscriptions_obey_the_document_and_rate_limits(
    academy_settings: Settings, academy: Academy
) -> None:
    session = academy.new_session(capacity=3)
    limited = academy_settings.model_copy(update={"max_query_depth": 2, "rate_limit_points": 1})
    with TestClient(create_app(limited)) as app_client, socket(app_client) as ws:
        deep = "subscription Deep { viewerEnrollmentUpdated { enrollment { session { id } } } }"
        ws.subscribe("deep", deep)
        refused = ws.message("deep")
        assert refused["type"] == "error", refused
        assert refused["payload"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        assert "maximum operation depth" in refused["payload"][0]["message"]
        # Priced once, at subscribe: the first fits the budget, the second does not.
        ws.subscribe("first", SESSION_SEATS, {"id": session})
        assert seats(ws.next("first"))[0] == 0
        ws.subscribe("second", SESSION_SEATS, {"id": session})
        assert ws.error_then_complete("second")["extensions"]["code"] == "RATE_LIMITED"


def test_a_deleted_account_stops_hearing_of_its_enrolments(
    client: TestClient, academy: Academy
) -> None:
    session = academy.new_session(capacity=2)
    student = academy.students[0]
    enroll(client, student, session)
    with socket(client, student.token) as ws:
        ws.subscribe("mine", MY_ENROLMENTS)
        wait_subscribed(client, f"enrollments:{student.user_id}")
        # The token stays valid until it expires; the account is gone now.
        academy.db.users.update_one(
            {"_id": student.user_id}, {"$set": {"deletedAt": datetime.now(UTC)}}
        )
        body = gql(
            client, SESSION_CANCEL, {"input": {"sessionId": session}}, token=academy.admin.token
        )
        assert body["data"]["sessionCancel"]["__typename"] == "SessionPayload", body
        error = ws.error_then_complete("mine")
    assert error["extensions"]["code"] == "FORBIDDEN"
