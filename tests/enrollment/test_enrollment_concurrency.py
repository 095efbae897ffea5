"""Seats and waitlists hold under any interleaving: many requests at once over HTTP,
counted afterwards through the API and in the raw documents."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import pytest

from server.settings import Settings
from tests.accounts.accounts_helpers import serving
from tests.enrollment.enrollment_helpers import (
    Academy,
    by_status,
    cancel,
    class_list,
    enroll,
)

SEATS = 20


def _assert_seating(session: dict[str, Any], rows: list[dict[str, Any]], capacity: int) -> None:
    active = by_status(rows, "ACTIVE")
    waiting = by_status(rows, "WAITLISTED")
    assert len(active) <= capacity
    assert session["seatsLeft"] == capacity - len(active)
    assert session["waitlistLength"] == len(waiting)
    # Class lists come in enrolment order, so positions must count up from 1.
    assert [row["waitlistPosition"] for row in waiting] == list(range(1, len(waiting) + 1))
    live_users = [row["user"]["id"] for row in active + waiting]
    assert len(live_users) == len(set(live_users)), "a student holds two live enrolments"
    if waiting:
        assert len(active) == capacity, "a seat is free while students wait"


def _assert_raw_seating(academy: Academy, session_gid: str) -> None:
    """In the stored claims: one holder per seat generation, one seat per enrolment."""
    from resolvers.global_ids import from_global_id

    session_id = from_global_id(session_gid).id
    claims = list(academy.db.seatClaims.find({"sessionId": session_id}))
    holders = [c["holderId"] for c in claims if c["kind"] == "SEAT"]
    assert len(holders) == len(set(holders))
    assert all(c["seat"] <= SEATS for c in claims if c["kind"] == "SEAT")


@pytest.mark.parametrize("round_", range(5))
async def test_200_students_racing_for_20_seats(
    academy: Academy, academy_settings: Settings, round_: int
) -> None:
    session = academy.new_session(capacity=SEATS)
    students = academy.students[:200]
    async with serving(academy_settings) as client:
        results = await asyncio.gather(*(enroll(client, s, session) for s in students))
        assert {r["__typename"] for r in results} == {"EnrollmentPayload"}, results
        counts, rows = await class_list(client, academy.admin, session)
    assert len(rows) == 200
    assert len(by_status(rows, "ACTIVE")) == SEATS
    assert len(by_status(rows, "WAITLISTED")) == 180
    _assert_seating(counts, rows, SEATS)
    _assert_raw_seating(academy, session)


async def test_cancellations_racing_new_enrolments_promote_in_order(
    academy: Academy, academy_settings: Settings
) -> None:
    session = academy.new_session(capacity=SEATS)
    first, later = academy.students[:100], academy.students[100:150]
    rng = random.Random(7)
    async with serving(academy_settings) as client:
        for group in (first[:50], first[50:]):  # two waves, so enrolment order is known
            await asyncio.gather(*(enroll(client, s, session) for s in group))
        _, before = await class_list(client, academy.admin, session)
        owner = {row["user"]["id"]: row for row in before}
        seated = by_status(before, "ACTIVE")
        waiting = by_status(before, "WAITLISTED")
        leaving = rng.sample(seated, 10) + rng.sample(waiting, 40)
        token_of = {to_gid(s.user_id): s for s in first}

        async def leave(row: dict[str, Any]) -> dict[str, Any]:
            return await cancel(client, token_of[row["user"]["id"]], row["id"])

        outcomes = await asyncio.gather(
            *(leave(row) for row in leaving), *(enroll(client, s, session) for s in later)
        )
        assert {o["__typename"] for o in outcomes} == {"EnrollmentPayload"}, outcomes
        counts, after = await class_list(client, academy.admin, session)

    gone = {row["id"] for row in leaving}
    assert {row["id"] for row in by_status(after, "CANCELLED")} == gone
    staying = [row for row in waiting if row["id"] not in gone]
    promoted = staying[:10]
    expected_active = {row["id"] for row in seated if row["id"] not in gone} | {
        row["id"] for row in promoted
    }
    assert {row["id"] for row in by_status(after, "ACTIVE")} == expected_active
    # Everyone still waiting from before comes first, in their old order; then the newcomers.
    still_waiting = by_status(after, "WAITLISTED")
    assert [row["id"] for row in still_waiting[: len(staying) - 10]] == [
        row["id"] for row in staying[10:]
    ]
    newcomers = {to_gid(s.user_id) for s in later}
    assert {row["user"]["id"] for row in still_waiting[len(staying) - 10 :]} == newcomers
    assert set(owner) <= {row["user"]["id"] for row in after}
    _assert_seating(counts, after, SEATS)
    _assert_raw_seating(academy, session)


async def test_one_student_enrolling_ten_times_at_once_gets_one_enrolment(
    academy: Academy, academy_settings: Settings
) -> None:
    session = academy.new_session(capacity=SEATS)
    student = academy.students[0]
    async with serving(academy_settings) as client:
        results = await asyncio.gather(*(enroll(client, student, session) for _ in range(10)))
        _, rows = await class_list(client, academy.admin, session)
    kinds = sorted(r["__typename"] for r in results)
    assert kinds == ["AlreadyEnrolled"] * 9 + ["EnrollmentPayload"]
    assert len(rows) == 1
    assert rows[0]["status"] == "ACTIVE"


def to_gid(user_id: Any) -> str:
    from resolvers.global_ids import to_global_id

    return to_global_id("User", user_id)
