"""sessionSchedule and sessionUpdate: every rule fed bad input changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from bson import ObjectId

from resolvers.global_ids import to_global_id
from server.settings import Settings
from tests.accounts.accounts_helpers import agql, serving
from tests.enrollment.enrollment_helpers import Academy

SCHEDULE = """
mutation Schedule($input: SessionScheduleInput!) {
  sessionSchedule(input: $input) {
    __typename
    ... on SessionPayload { session { id capacity seatsLeft mode } }
    ... on ValidationError { field message }
    ... on MutationError { code }
  }
}
"""
SOON = datetime.now(UTC) + timedelta(days=10)


def _valid(academy: Academy) -> dict[str, Any]:
    return {
        "courseId": to_global_id("Course", academy.course_id),
        "mode": "VIRTUAL",
        "capacity": 12,
        "startsAt": SOON.isoformat(),
        "endsAt": (SOON + timedelta(days=2)).isoformat(),
        "meetingUrl": "https://meet.example.org/room",
    }


BAD: list[tuple[str, dict[str, Any], str]] = [
    ("capacity too small", {"capacity": 0}, "capacity"),
    ("capacity too large", {"capacity": 501}, "capacity"),
    ("ends before it starts", {"endsAt": (SOON - timedelta(hours=1)).isoformat()}, "endsAt"),
    (
        "starts in the past",
        {
            "startsAt": (datetime.now(UTC) - timedelta(days=1)).isoformat(),
            "endsAt": SOON.isoformat(),
        },
        "startsAt",
    ),
    ("virtual without a link", {"meetingUrl": None}, "meetingUrl"),
    ("plain http link", {"meetingUrl": "http://meet.example.org/room"}, "meetingUrl"),
    ("in person without a campus", {"mode": "IN_PERSON"}, "campusId"),
    (
        "unknown campus",
        {"mode": "IN_PERSON", "campusId": to_global_id("Campus", ObjectId())},
        "campusId",
    ),
    (
        "instructor not teaching the course",
        {"instructorId": to_global_id("User", ObjectId())},
        "instructorId",
    ),
    ("malformed instructor id", {"instructorId": "nope"}, "instructorId"),
]


@pytest.mark.parametrize(("case", "change", "field"), BAD, ids=[case for case, _, _ in BAD])
async def test_bad_schedules_are_refused_and_change_nothing(
    academy: Academy, academy_settings: Settings, case: str, change: dict[str, Any], field: str
) -> None:
    academy.db.courses.update_one(
        {"_id": academy.course_id}, {"$set": {"instructorIds": [academy.admin.user_id]}}
    )
    before = list(academy.db.sessions.find())
    async with serving(academy_settings) as client:
        body = await agql(
            client, SCHEDULE, {"input": {**_valid(academy), **change}}, token=academy.admin.token
        )
    result = body["data"]["sessionSchedule"]
    assert result["__typename"] == "ValidationError", (case, result)
    assert result["field"] == field, (case, result)
    assert list(academy.db.sessions.find()) == before


async def test_a_valid_schedule_is_stored_and_others_may_not(
    academy: Academy, academy_settings: Settings
) -> None:
    academy.db.courses.update_one(
        {"_id": academy.course_id}, {"$set": {"instructorIds": [academy.admin.user_id]}}
    )
    async with serving(academy_settings) as client:
        body = await agql(client, SCHEDULE, {"input": _valid(academy)}, token=academy.admin.token)
        stranger = await agql(
            client, SCHEDULE, {"input": _valid(academy)}, token=academy.students[0].token
        )
    session = body["data"]["sessionSchedule"]["session"]
    assert session == {**session, "capacity": 12, "seatsLeft": 12, "mode": "VIRTUAL"}
    assert stranger["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert academy.db.sessions.count_documents({"courseId": academy.course_id}) == 1
