"""Enrolment's typed refusals, who may do what, capacity changes and cancelled sessions."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from resolvers.global_ids import from_global_id, to_global_id
from server.settings import Settings
from tests.accounts.accounts_helpers import agql, serving
from tests.enrollment.enrollment_helpers import (
    Academy,
    by_status,
    cancel,
    class_list,
    enroll,
)

UPDATE = """
mutation Update($input: SessionUpdateInput!) {
  sessionUpdate(input: $input) {
    __typename
    ... on SessionPayload { session { capacity seatsLeft waitlistLength } }
    ... on ValidationError { field }
    ... on MutationError { code message }
  }
}
"""
SESSION_CANCEL = """
mutation CancelSession($input: SessionCancelInput!) {
  sessionCancel(input: $input) {
    __typename
    ... on SessionPayload { session { cancelledAt seatsLeft } }
    ... on MutationError { code }
  }
}
"""
MINE = """
query Mine($status: EnrollmentStatus) {
  viewer { enrollments(first: 10, status: $status) {
    edges { node { id status waitlistPosition session { id } } } } }
}
"""


def _snapshot(academy: Academy) -> Any:
    return (
        list(academy.db.enrollments.find()),
        list(academy.db.seatClaims.find()),
        list(academy.db.sessions.find()),
    )


async def test_typed_refusals_change_nothing(academy: Academy, academy_settings: Settings) -> None:
    student = academy.students[0]
    started = academy.new_session(capacity=5, starts_in=timedelta(hours=-1))
    hidden_course = academy.db.courses.find_one({"_id": academy.course_id})
    assert hidden_course is not None
    open_session = academy.new_session(capacity=5)
    async with serving(academy_settings) as client:
        before = _snapshot(academy)
        assert (await enroll(client, student, started))["code"] == "SESSION_STARTED"
        missing = to_global_id("Session", academy.course_id)
        assert (await enroll(client, student, missing))["code"] == "NOT_FOUND"
        assert (await enroll(client, student, "not-an-id"))["code"] == "VALIDATION_ERROR"
        assert _snapshot(academy) == before
        academy.db.courses.update_one({"_id": academy.course_id}, {"$set": {"published": False}})
        assert (await enroll(client, student, open_session))["code"] == "NOT_FOUND"
        academy.db.courses.update_one({"_id": academy.course_id}, {"$set": {"published": True}})
        joined = await enroll(client, student, open_session)
        assert joined["enrollment"]["status"] == "ACTIVE"
        assert (await enroll(client, student, open_session))["code"] == "ALREADY_ENROLLED"


async def test_only_the_student_or_an_admin_cancels(
    academy: Academy, academy_settings: Settings
) -> None:
    owner, other = academy.students[0], academy.students[1]
    session = academy.new_session(capacity=1)
    async with serving(academy_settings) as client:
        seat = (await enroll(client, owner, session))["enrollment"]
        waiting = (await enroll(client, other, session))["enrollment"]
        assert waiting["waitlistPosition"] == 1
        refused = await cancel(client, other, seat["id"])
        assert refused["code"] == "NOT_FOUND"  # someone else's enrolment is not even found
        anonymous = await agql(
            client,
            "mutation($i: EnrollmentCancelInput!) { enrollmentCancel(input: $i) { __typename } }",
            {"i": {"enrollmentId": seat["id"]}},
        )
        assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        done = await cancel(client, academy.admin, seat["id"])
        assert done["enrollment"]["status"] == "CANCELLED"
        assert (await cancel(client, owner, seat["id"]))["code"] == "ALREADY_CANCELLED"
        mine = await agql(client, MINE, {"status": "ACTIVE"}, token=other.token)
        edges = mine["data"]["viewer"]["enrollments"]["edges"]
        assert [e["node"]["id"] for e in edges] == [waiting["id"]], "the waiting student moved up"
        # A cancelled student may enrol again, at the back of the queue.
        again = await enroll(client, owner, session)
        assert again["enrollment"]["status"] == "WAITLISTED"


async def test_class_list_is_for_instructors_and_admins(
    academy: Academy, academy_settings: Settings
) -> None:
    student = academy.students[0]
    session = academy.new_session(capacity=3)
    query = (
        "query($id: ID!) { node(id: $id) { ... on Session {"
        " enrollments { edges { node { id } } } } } }"
    )
    async with serving(academy_settings) as client:
        await enroll(client, student, session)
        refused = await agql(client, query, {"id": session}, token=student.token)
        assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        allowed = await agql(client, query, {"id": session}, token=academy.admin.token)
        assert "errors" not in allowed, allowed


async def test_capacity_decrease_racing_enrolments_never_over_seats(
    academy: Academy, academy_settings: Settings
) -> None:
    academy.db.courses.update_one(
        {"_id": academy.course_id}, {"$set": {"instructorIds": [academy.admin.user_id]}}
    )
    for attempt in range(3):
        session = academy.new_session(capacity=20)
        students = academy.students[attempt * 40 : attempt * 40 + 30]
        async with serving(academy_settings) as client:
            change = agql(
                client,
                UPDATE,
                {"input": {"sessionId": session, "capacity": 10}},
                token=academy.admin.token,
            )
            outcomes = await asyncio.gather(change, *(enroll(client, s, session) for s in students))
            counts, rows = await class_list(client, academy.admin, session)
        changed = outcomes[0]["data"]["sessionUpdate"]
        capacity = counts["capacity"]
        assert len(by_status(rows, "ACTIVE")) <= capacity
        if changed["__typename"] == "SessionPayload":
            assert capacity == 10
        else:
            assert changed["field"] == "capacity"
            assert capacity == 20
        assert len(by_status(rows, "ACTIVE")) == min(capacity, 30)
        waiting = by_status(rows, "WAITLISTED")
        assert [r["waitlistPosition"] for r in waiting] == list(range(1, len(waiting) + 1))


async def test_raising_capacity_seats_waiting_students_and_lowering_is_bounded(
    academy: Academy, academy_settings: Settings
) -> None:
    academy.db.courses.update_one(
        {"_id": academy.course_id}, {"$set": {"instructorIds": [academy.admin.user_id]}}
    )
    session = academy.new_session(capacity=2)
    async with serving(academy_settings) as client:
        for student in academy.students[:5]:
            await enroll(client, student, session)
        update = {"input": {"sessionId": session, "capacity": 4}}
        raised = await agql(client, UPDATE, update, token=academy.admin.token)
        payload = raised["data"]["sessionUpdate"]["session"]
        assert payload == {"capacity": 4, "seatsLeft": 0, "waitlistLength": 1}
        lower = {"input": {"sessionId": session, "capacity": 3}}
        refused = await agql(client, UPDATE, lower, token=academy.admin.token)
        assert refused["data"]["sessionUpdate"]["field"] == "capacity"
        student_try = await agql(client, UPDATE, update, token=academy.students[0].token)
        assert student_try["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        _, rows = await class_list(client, academy.admin, session)
        assert len(by_status(rows, "ACTIVE")) == 4


async def test_cancelling_a_session_cancels_its_enrolments(
    academy: Academy, academy_settings: Settings
) -> None:
    academy.db.courses.update_one(
        {"_id": academy.course_id}, {"$set": {"instructorIds": [academy.admin.user_id]}}
    )
    session = academy.new_session(capacity=2)
    async with serving(academy_settings) as client:
        for student in academy.students[:3]:
            await enroll(client, student, session)
        gone = await agql(
            client, SESSION_CANCEL, {"input": {"sessionId": session}}, token=academy.admin.token
        )
        assert gone["data"]["sessionCancel"]["session"]["cancelledAt"] is not None
        _, rows = await class_list(client, academy.admin, session)
        assert {row["status"] for row in rows} == {"CANCELLED"}
        late = await enroll(client, academy.students[5], session)
        assert late["code"] == "SESSION_CANCELLED"
    session_id = from_global_id(session).id
    assert (
        academy.db.enrollments.count_documents(
            {"sessionId": session_id, "cancelledAt": {"$exists": False}}
        )
        == 0
    )


async def test_deleting_an_account_cancels_its_enrolments_and_promotes(
    academy: Academy, academy_settings: Settings, people: Any
) -> None:
    leaver, waiting = academy.students[200], academy.students[201]
    session = academy.new_session(capacity=1)
    delete = """
    mutation Delete($input: UserDeleteAccountInput!) {
      userDeleteAccount(input: $input) { __typename }
    }"""
    async with serving(academy_settings) as client:
        seat = (await enroll(client, leaver, session))["enrollment"]
        assert (await enroll(client, waiting, session))["enrollment"]["status"] == "WAITLISTED"
        gone = await agql(
            client,
            delete,
            {"input": {"password": "correct horse battery staple"}},
            token=leaver.token,
        )
        assert gone["data"]["userDeleteAccount"]["__typename"] == "UserDeleteAccountPayload"
        _, rows = await class_list(client, academy.admin, session)
    status = {row["id"]: row["status"] for row in rows}
    assert status[seat["id"]] == "CANCELLED"
    assert [row["status"] for row in rows if row["id"] != seat["id"]] == ["ACTIVE"]


async def test_only_managers_cancel_a_session(academy: Academy, academy_settings: Settings) -> None:
    session = academy.new_session(capacity=2)
    async with serving(academy_settings) as client:
        await enroll(client, academy.students[0], session)
        anonymous = await agql(client, SESSION_CANCEL, {"input": {"sessionId": session}})
        student = await agql(
            client,
            SESSION_CANCEL,
            {"input": {"sessionId": session}},
            token=academy.students[0].token,
        )
        _, rows = await class_list(client, academy.admin, session)
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert student["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert [row["status"] for row in rows] == ["ACTIVE"]
    assert (
        academy.db.sessions.find_one(
            {"_id": from_global_id(session).id, "cancelledAt": {"$exists": True}}
        )
        is None
    )


async def test_payloads_show_the_seats_their_write_left(
    academy: Academy, academy_settings: Settings
) -> None:
    session = academy.new_session(capacity=3)
    student = academy.students[0]
    seats = "session { seatsLeft waitlistLength }"
    enrol_query = (
        "mutation($i: SessionEnrollInput!) { sessionEnroll(input: $i) {"
        f" ... on EnrollmentPayload {{ enrollment {{ id {seats} }} }} }} }}"
    )
    cancel_query = (
        "mutation($i: EnrollmentCancelInput!) { enrollmentCancel(input: $i) {"
        f" ... on EnrollmentPayload {{ enrollment {{ {seats} }} }} }} }}"
    )
    async with serving(academy_settings) as client:
        for round_ in range(2):  # the second time, re-enrolling after a cancellation
            joined = await agql(
                client, enrol_query, {"i": {"sessionId": session}}, token=student.token
            )
            enrollment = joined["data"]["sessionEnroll"]["enrollment"]
            assert enrollment["session"]["seatsLeft"] == 2, round_
            left = await agql(
                client, cancel_query, {"i": {"enrollmentId": enrollment["id"]}}, token=student.token
            )
            assert left["data"]["enrollmentCancel"]["enrollment"]["session"]["seatsLeft"] == 3
