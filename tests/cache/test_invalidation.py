"""Every write family purges the cached responses that show what it changed."""

from __future__ import annotations

from typing import Any

import httpx

from resolvers.global_ids import to_global_id
from server.settings import Settings
from tests.accounts.accounts_helpers import PASSWORD
from tests.cache.cache_helpers import CATALOGUE, data, mutate
from tests.cache.conftest import served
from tests.enrollment.enrollment_helpers import ENROLL, Academy

MISTAKE = "... on MutationError { code message }"
COURSE_UPDATE = f"""
mutation Rename($input: CourseUpdateInput!) {{
  courseUpdate(input: $input) {{
    __typename ... on CourseUpdatePayload {{ course {{ id }} }} {MISTAKE}
  }}
}}"""
COURSE_CREATE = f"""
mutation Create($input: CourseCreateInput!) {{
  courseCreate(input: $input) {{
    __typename ... on CourseCreatePayload {{ course {{ id }} }} {MISTAKE}
  }}
}}"""
COURSE_PUBLISH = f"""
mutation Publish($input: CoursePublishInput!) {{
  coursePublish(input: $input) {{ __typename {MISTAKE} }}
}}"""
SCHEDULE = f"""
mutation Schedule($input: SessionScheduleInput!) {{
  sessionSchedule(input: $input) {{ __typename {MISTAKE} }}
}}"""
REVIEW = f"""
mutation Review($input: ReviewCreateInput!) {{
  reviewCreate(input: $input) {{ __typename {MISTAKE} }}
}}"""
PROFILE = f"""
mutation Profile($input: UserUpdateProfileInput!) {{
  userUpdateProfile(input: $input) {{ __typename {MISTAKE} }}
}}"""
DELETE_ACCOUNT = f"""
mutation Leave($input: UserDeleteAccountInput!) {{
  userDeleteAccount(input: $input) {{ __typename {MISTAKE} }}
}}"""


def course_of(catalogue: dict[str, Any]) -> dict[str, Any]:
    node: dict[str, Any] = catalogue["courses"]["edges"][0]["node"]
    return node


async def cached_twice(client: httpx.AsyncClient) -> dict[str, Any]:
    _, first = await data(client, CATALOGUE, {"first": 10})
    status_again, again = await data(client, CATALOGUE, {"first": 10})
    assert (status_again, again) == ("HIT", first)
    return again


async def after_write(client: httpx.AsyncClient) -> dict[str, Any]:
    status, result = await data(client, CATALOGUE, {"first": 10})
    assert status == "MISS"
    return result


async def test_an_enrolment_purges_the_session_seats(
    academy: Academy, cached_settings: Settings
) -> None:
    session = academy.new_session(capacity=5)
    async with served(cached_settings) as client:
        before = course_of(await cached_twice(client))
        assert before["sessions"]["edges"][0]["node"]["seatsLeft"] == 5
        await mutate(
            client, ENROLL, {"input": {"sessionId": session}}, token=academy.students[0].token
        )
        after = course_of(await after_write(client))
    assert after["sessions"]["edges"][0]["node"]["seatsLeft"] == 4


async def test_course_edits_purge_the_course_and_the_catalogue(
    academy: Academy, cached_settings: Settings
) -> None:
    admin = academy.admin.token
    course_gid = to_global_id("Course", academy.course_id)
    async with served(cached_settings) as client:
        await cached_twice(client)
        renamed = {"courseId": course_gid, "title": "Caching in practice"}
        await mutate(client, COURSE_UPDATE, {"input": renamed}, token=admin)
        assert course_of(await after_write(client))["title"] == "Caching in practice"

        # A new course enters the catalogue once published: the list purges.
        await cached_twice(client)
        created = await mutate(
            client,
            COURSE_CREATE,
            {
                "input": {
                    "slug": "a-new-course",
                    "title": "A new course",
                    "track": "CLOUD_COMPUTING",
                    "level": "BEGINNER",
                    "priceCents": 0,
                    "durationHours": 3,
                }
            },
            token=admin,
        )
        await cached_twice(client)
        publish = {"courseId": created["course"]["id"]}
        await mutate(client, COURSE_PUBLISH, {"input": publish}, token=admin)
        assert (await after_write(client))["courses"]["totalCount"] == 2


async def test_a_new_session_purges_its_course(academy: Academy, cached_settings: Settings) -> None:
    async with served(cached_settings) as client:
        assert course_of(await cached_twice(client))["sessions"]["edges"] == []
        new = {
            "courseId": to_global_id("Course", academy.course_id),
            "mode": "VIRTUAL",
            "startsAt": "2031-01-01T09:00:00Z",
            "endsAt": "2031-01-02T17:00:00Z",
            "capacity": 12,
            "meetingUrl": "https://meet.example.org/new",
        }
        await mutate(client, SCHEDULE, {"input": new}, token=academy.admin.token)
        sessions = course_of(await after_write(client))["sessions"]["edges"]
    assert [edge["node"]["seatsLeft"] for edge in sessions] == [12]


async def test_reviews_and_account_changes_purge_ratings_and_names(
    academy: Academy, cached_settings: Settings
) -> None:
    session = academy.new_session(capacity=5)
    student = academy.students[1]
    course_gid = to_global_id("Course", academy.course_id)
    async with served(cached_settings) as client:
        await mutate(client, ENROLL, {"input": {"sessionId": session}}, token=student.token)
        assert course_of(await cached_twice(client))["ratingAverage"] is None
        review = {"courseId": course_gid, "rating": 4, "comment": "Good."}
        await mutate(client, REVIEW, {"input": review}, token=student.token)
        course = course_of(await after_write(client))
        assert (course["ratingAverage"], course["reviewCount"]) == (4, 1)
        assert course["reviews"]["edges"][0]["node"]["author"]["displayName"] == "Student"

        await cached_twice(client)
        renamed = {"displayName": "Renamed Student"}
        await mutate(client, PROFILE, {"input": renamed}, token=student.token)
        course = course_of(await after_write(client))
        assert course["reviews"]["edges"][0]["node"]["author"]["displayName"] == "Renamed Student"

        await cached_twice(client)
        leave = {"password": PASSWORD}
        await mutate(client, DELETE_ACCOUNT, {"input": leave}, token=student.token)
        course = course_of(await after_write(client))
    author = course["reviews"]["edges"][0]["node"]["author"]["displayName"]
    assert author != "Renamed Student"
    # Its enrolment was cancelled with the account: the seat is free again.
    assert course["sessions"]["edges"][0]["node"]["seatsLeft"] == 5
