"""courseCreate, courseUpdate, coursePublish, courseArchive: who may, what is checked,
and that a refused mutation changes nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from bson import ObjectId

from datastore.client import open_client
from datastore.documents import CourseDoc
from datastore.loaders import Loaders
from datastore.search_terms import index_terms
from resolvers.context import Context
from resolvers.course_edits import may_manage_named_course
from resolvers.global_ids import from_global_id, to_global_id
from resolvers.viewer import Credentials
from server.auth_setup import access_tokens_from
from server.settings import Settings
from tests.accounts.accounts_helpers import RELAXED, AccountsApp, agql, serving
from tests.resolvers.catalogue_helpers import (
    ARCHIVE,
    BY_SLUG,
    CREATE,
    PUBLISH,
    TEACHING,
    UPDATE,
    Cast,
    cast,
    new_course,
)


@pytest.fixture
def people(accounts_app: AccountsApp) -> Cast:
    return cast(accounts_app)


def _search_terms_consistent(stored: dict[str, Any]) -> bool:
    expected = index_terms([stored["title"], stored["summary"], *stored["tags"]])
    return bool(stored["searchTerms"] == expected)


# --- courseCreate -------------------------------------------------------------------------


def test_an_instructor_creates_a_draft_they_teach(people: Cast) -> None:
    course = people.create("instructor", tags=["Python", "python", "Basics"])
    assert course["published"] is False
    assert course["archivedAt"] is None
    assert course["instructors"] == [{"id": people.instructor.id}]
    assert course["tags"] == ["python", "basics"]
    assert course["description"] == "Ten evenings.\n\nBring a laptop."
    stored = people.raw_course(course["id"])
    assert stored is not None
    assert _search_terms_consistent(stored)
    assert (stored["ratingCount"], stored["ratingSum"]) == (0, 0)
    # A draft is not in the public catalogue, but its instructor sees it.
    assert people.call(BY_SLUG, {"slug": course["slug"]}, "anonymous")["data"]["course"] is None
    mine = people.call(BY_SLUG, {"slug": course["slug"]}, "instructor")["data"]["course"]
    assert mine["id"] == course["id"]
    other = people.call(BY_SLUG, {"slug": course["slug"]}, "other_instructor")
    assert other["data"]["course"] is None


def test_an_admin_names_the_instructors(people: Cast) -> None:
    course = people.create("admin", instructorIds=[people.other_instructor.id])
    assert course["instructors"] == [{"id": people.other_instructor.id}]
    without = people.create("admin", slug="no-teachers-yet")
    assert without["instructors"] == []


@pytest.mark.parametrize(
    ("role", "code"), [("anonymous", "UNAUTHENTICATED"), ("student", "FORBIDDEN")]
)
def test_only_instructors_and_admins_create(people: Cast, role: str, code: str) -> None:
    body = people.call(CREATE, {"input": new_course()}, role)
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == [code]
    assert people.app.db.courses.count_documents({}) == 0


LONG = "x" * 5001
CREATE_REFUSALS: list[tuple[dict[str, Any], str]] = [
    ({"slug": "ab"}, "slug"),
    ({"slug": "Python-Basics"}, "slug"),
    ({"slug": "python basics"}, "slug"),
    ({"slug": "-python"}, "slug"),
    ({"slug": "python--basics"}, "slug"),
    ({"slug": "a" * 81}, "slug"),
    ({"title": "ab"}, "title"),
    ({"title": "t" * 121}, "title"),
    ({"title": "Bell\u0007 ringing"}, "title"),
    ({"summary": "s" * 301}, "summary"),
    ({"description": LONG}, "description"),
    ({"tags": [f"tag{i}" for i in range(11)]}, "tags"),
    ({"tags": ["a"]}, "tags"),
    ({"tags": ["t" * 31]}, "tags"),
    ({"priceCents": -1}, "priceCents"),
    ({"priceCents": 100_000_001}, "priceCents"),
    ({"durationHours": 0}, "durationHours"),
    ({"durationHours": 1001}, "durationHours"),
]


@pytest.mark.parametrize(("bad", "field"), CREATE_REFUSALS)
def test_create_refusals_name_the_field_and_store_nothing(
    people: Cast, bad: dict[str, Any], field: str
) -> None:
    result = people.result(CREATE, {"input": new_course(**bad)}, "instructor")
    assert result["__typename"] == "ValidationError", result
    assert result["field"] == field
    assert people.app.db.courses.count_documents({}) == 0


@pytest.mark.parametrize(
    ("role", "ids"),
    [
        ("instructor", "other_instructor"),  # only admins choose instructors
        ("admin", "student"),  # a student cannot teach
        ("admin", "not-an-id"),
        ("admin", "missing"),
    ],
)
def test_instructor_ids_are_checked(people: Cast, role: str, ids: str) -> None:
    value = {
        "other_instructor": people.other_instructor.id,
        "student": people.student.id,
        "not-an-id": "not-an-id",
        "missing": to_global_id("User", ObjectId()),
    }[ids]
    result = people.result(CREATE, {"input": new_course(instructorIds=[value])}, role)
    assert result["__typename"] == "ValidationError", result
    assert result["field"] == "instructorIds"
    assert people.app.db.courses.count_documents({}) == 0


def test_a_taken_slug_is_refused_by_the_unique_index(people: Cast) -> None:
    people.create("instructor", slug="only-one")
    result = people.result(CREATE, {"input": new_course("only-one")}, "other_instructor")
    assert result["__typename"] == "ValidationError"
    assert result["field"] == "slug"
    assert people.app.db.courses.count_documents({}) == 1


async def test_simultaneous_creates_with_one_slug_let_exactly_one_through(
    make_settings: Callable[..., Settings], fresh_db_name: str, accounts_app: AccountsApp
) -> None:
    people = cast(accounts_app)
    async with serving(make_settings(fresh_db_name, **RELAXED)) as client:
        bodies = await asyncio.gather(
            *(
                agql(
                    client,
                    CREATE,
                    {"input": new_course("race-for-it", title=f"Racer {i}")},
                    token=people.instructor.token,
                )
                for i in range(8)
            )
        )
    kinds = sorted(body["data"]["courseCreate"]["__typename"] for body in bodies)
    assert kinds == ["CourseCreatePayload"] + ["ValidationError"] * 7
    assert accounts_app.db.courses.count_documents({"slug": "race-for-it"}) == 1


# --- courseUpdate -------------------------------------------------------------------------


def test_an_instructor_updates_their_course(people: Cast) -> None:
    course = people.create("instructor")
    # Ratings belong to the reviews: three arrived, and the edit leaves them right.
    course_oid = from_global_id(course["id"]).id
    now = datetime.now(UTC)
    people.app.db.reviews.insert_many(
        [
            {
                "_id": ObjectId(),
                "courseId": course_oid,
                "authorId": ObjectId(),
                "rating": rating,
                "comment": "",
                "createdAt": now,
                "updatedAt": now,
            }
            for rating in (5, 4, 4)
        ]
    )
    people.app.db.courses.update_one(
        {"slug": course["slug"]},
        {"$set": {"ratingCount": 3, "ratingSum": 13, "ratingAverage": 4.33}},
    )
    changes = {
        "courseId": course["id"],
        "slug": "python-for-everyone",
        "title": "Python for Everyone",
        "tags": ["python", "beginners"],
        "priceCents": 0,
    }
    result = people.result(UPDATE, {"input": changes}, "instructor")
    assert result["__typename"] == "CourseUpdatePayload", result
    updated = result["course"]
    assert (updated["slug"], updated["title"], updated["priceCents"]) == (
        "python-for-everyone",
        "Python for Everyone",
        0,
    )
    assert updated["summary"] == course["summary"]  # left out, kept
    assert (updated["reviewCount"], updated["ratingAverage"]) == (3, 4.33)
    stored = people.raw_course(course["id"])
    assert stored is not None
    assert (stored["ratingCount"], stored["ratingSum"]) == (3, 13)
    assert round(stored["ratingAverage"], 2) == 4.33
    assert _search_terms_consistent(stored)
    assert "everyone" in stored["searchTerms"]
    assert "people" not in stored["searchTerms"]
    # The old slug is free again, the new one leads to the course.
    body = people.call(BY_SLUG, {"slug": "python-for-everyone"}, "instructor")
    assert body["data"]["course"]["title"] == "Python for Everyone"
    assert people.call(BY_SLUG, {"slug": course["slug"]}, "instructor")["data"]["course"] is None


def test_an_admin_updates_any_course_and_its_instructors(people: Cast) -> None:
    course = people.create("instructor")
    changes = {"courseId": course["id"], "instructorIds": [people.other_instructor.id]}
    result = people.result(UPDATE, {"input": changes}, "admin")
    assert result["course"]["instructors"] == [{"id": people.other_instructor.id}]
    # The former instructor no longer manages it; the new one does.
    again = {"courseId": course["id"], "title": "Taken Over"}
    assert (
        people.call(UPDATE, {"input": again}, "instructor")["errors"][0]["extensions"]["code"]
        == "FORBIDDEN"
    )
    assert people.result(UPDATE, {"input": again}, "other_instructor")["course"]["title"] == (
        "Taken Over"
    )


def test_instructors_cannot_change_instructors(people: Cast) -> None:
    course = people.create("instructor")
    changes = {"courseId": course["id"], "instructorIds": [people.other_instructor.id]}
    result = people.result(UPDATE, {"input": changes}, "instructor")
    assert (result["__typename"], result["field"]) == ("ValidationError", "instructorIds")


UPDATE_REFUSALS = [
    *CREATE_REFUSALS,
    ({"title": None}, "title"),
    ({"slug": None}, "slug"),
    ({"tags": None}, "tags"),
    ({"priceCents": None}, "priceCents"),
]


@pytest.mark.parametrize(("bad", "field"), UPDATE_REFUSALS)
def test_update_refusals_name_the_field_and_change_nothing(
    people: Cast, bad: dict[str, Any], field: str
) -> None:
    course = people.create("instructor")
    before = people.raw_course(course["id"])
    # A valid change beside the bad one must not be applied either.
    changes = {"courseId": course["id"], "summary": "A new summary.", **bad}
    result = people.result(UPDATE, {"input": changes}, "instructor")
    assert result["__typename"] == "ValidationError", result
    assert result["field"] == field
    assert people.raw_course(course["id"]) == before


def test_changing_to_a_taken_slug_changes_nothing(people: Cast) -> None:
    people.create("instructor", slug="first-course")
    second = people.create("instructor", slug="second-course")
    before = people.raw_course(second["id"])
    changes = {"courseId": second["id"], "slug": "first-course", "title": "Renamed"}
    result = people.result(UPDATE, {"input": changes}, "instructor")
    assert (result["__typename"], result["field"]) == ("ValidationError", "slug")
    assert people.raw_course(second["id"]) == before


def test_unknown_courses(people: Cast) -> None:
    missing = {"courseId": to_global_id("Course", ObjectId()), "title": "Nope"}
    result = people.result(UPDATE, {"input": missing}, "instructor")
    assert (result["__typename"], result["field"]) == ("NotFound", "courseId")
    for value in ("not-an-id", people.student.id):
        result = people.result(UPDATE, {"input": {"courseId": value, "title": "Nope"}}, "admin")
        assert (result["__typename"], result["field"]) == ("ValidationError", "courseId")
    # Students are refused before anyone looks for the course.
    body = people.call(UPDATE, {"input": missing}, "student")
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


# --- who may manage -----------------------------------------------------------------------


MANAGING = [
    (UPDATE, {"title": "Hijacked Title"}),
    (PUBLISH, {}),
    (ARCHIVE, {}),
]


@pytest.mark.parametrize(("operation", "extra"), MANAGING)
@pytest.mark.parametrize(
    ("role", "code"),
    [
        ("anonymous", "UNAUTHENTICATED"),
        ("student", "FORBIDDEN"),
        ("other_instructor", "FORBIDDEN"),
    ],
)
def test_only_the_courses_managers_may_change_it(
    people: Cast, operation: str, extra: dict[str, Any], role: str, code: str
) -> None:
    course = people.create("instructor")
    before = people.raw_course(course["id"])
    body = people.call(operation, {"input": {"courseId": course["id"], **extra}}, role)
    assert body["data"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == [code]
    assert people.raw_course(course["id"]) == before


def test_a_demoted_instructor_no_longer_manages_their_courses(people: Cast) -> None:
    course = people.create("instructor")
    people.app.db.users.update_one(
        {"_id": people.instructor.object_id}, {"$set": {"roles": ["STUDENT"]}}
    )
    body = people.call(UPDATE, {"input": {"courseId": course["id"], "title": "Mine"}}, "instructor")
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


# --- publish and archive ------------------------------------------------------------------


def test_publish_then_archive(people: Cast) -> None:
    course = people.create("instructor")
    slug = course["slug"]
    published = people.result(PUBLISH, {"input": {"courseId": course["id"]}}, "instructor")
    assert published["course"]["published"] is True
    public = people.call(BY_SLUG, {"slug": slug}, "anonymous")["data"]["course"]
    assert public == {
        "id": course["id"],
        "title": course["title"],
        "published": True,
        "archivedAt": None,
    }
    # A session hangs off it: archiving keeps it.
    session_id = ObjectId()
    stored = people.raw_course(course["id"])
    assert stored is not None
    people.app.db.sessions.insert_one({"_id": session_id, "courseId": stored["_id"]})

    archived = people.result(ARCHIVE, {"input": {"courseId": course["id"]}}, "instructor")
    assert archived["course"]["published"] is False
    assert archived["course"]["archivedAt"] is not None
    assert people.call(BY_SLUG, {"slug": slug}, "anonymous")["data"]["course"] is None
    catalogue = people.call(
        "query C { courses(first: 100) { edges { node { slug } } } }", {}, "student"
    )
    assert slug not in str(catalogue)
    # Its instructor and admins still see it, with its history.
    for role in ("instructor", "admin"):
        seen = people.call(BY_SLUG, {"slug": slug}, role)["data"]["course"]
        assert seen["archivedAt"] == archived["course"]["archivedAt"]
    assert people.app.db.sessions.find_one({"_id": session_id}) is not None
    stored = people.raw_course(course["id"])
    assert stored is not None
    assert set(CourseDoc.__required_keys__) <= set(stored) <= set(CourseDoc.__annotations__)
    # Archiving again keeps the first time; publishing restores it.
    again = people.result(ARCHIVE, {"input": {"courseId": course["id"]}}, "instructor")
    assert again["course"]["archivedAt"] == archived["course"]["archivedAt"]
    restored = people.result(PUBLISH, {"input": {"courseId": course["id"]}}, "admin")
    assert (restored["course"]["published"], restored["course"]["archivedAt"]) == (True, None)


def test_withdraw_to_a_draft(people: Cast) -> None:
    course = people.create("instructor")
    people.result(PUBLISH, {"input": {"courseId": course["id"]}}, "instructor")
    withdrawn = people.result(
        PUBLISH, {"input": {"courseId": course["id"], "published": False}}, "instructor"
    )
    assert withdrawn["course"]["published"] is False
    assert people.call(BY_SLUG, {"slug": course["slug"]}, "anonymous")["data"]["course"] is None


# --- what an instructor teaches -----------------------------------------------------------


def test_viewer_teaching_lists_drafts_and_archived_courses(people: Cast) -> None:
    draft = people.create("instructor", slug="a-draft")
    gone = people.create("instructor", slug="b-archived")
    people.result(ARCHIVE, {"input": {"courseId": gone["id"]}}, "instructor")
    people.create("other_instructor", slug="not-mine")
    body = people.call(TEACHING, {}, "instructor")
    assert "errors" not in body, body
    rows = [e["node"] for e in body["data"]["viewer"]["teaching"]["edges"]]
    assert [r["slug"] for r in rows] == [draft["slug"], gone["slug"]]


def test_someone_elses_teaching_list_is_private(people: Cast) -> None:
    people.create("instructor")
    query = """query T($id: ID!) { node(id: $id) { ... on User {
        teaching(first: 5) { edges { node { slug } } } } } }"""
    variables = {"id": people.instructor.id}
    body = people.call(query, variables, "other_instructor")
    assert body["data"]["node"]["teaching"] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"]
    admin = people.call(query, variables, "admin")
    assert len(admin["data"]["node"]["teaching"]["edges"]) == 1


def test_the_course_permission_also_reads_a_course_through_its_session(people: Cast) -> None:
    """sessionSchedule/Update/Cancel name a session: MayManageCourse follows it to its course."""
    course = people.create("instructor")
    stored = people.raw_course(course["id"])
    assert stored is not None
    session_id = people.app.db.sessions.insert_one({"courseId": stored["_id"]}).inserted_id
    settings = people.app.settings

    async def may(role: str, session: str) -> bool:
        client = open_client(settings.database_uri())
        try:
            db = client[settings.database_name]
            token = people.person(role).token
            ctx = Context(
                db=db,
                loaders=Loaders(db),
                request_id="test",
                credentials=Credentials(
                    f"Bearer {token}" if token else None, access_tokens_from(settings)
                ),
            )
            return await may_manage_named_course(ctx, session_id=session)
        finally:
            await client.close()

    session = to_global_id("Session", session_id)
    allowed = {role: asyncio.run(may(role, session)) for role in ROLES}
    assert allowed == {
        "admin": True,
        "instructor": True,
        "other_instructor": False,
        "student": False,
        "anonymous": False,
    }
    # A session that does not exist is the resolver's to answer, for instructors only.
    missing = to_global_id("Session", ObjectId())
    assert asyncio.run(may("other_instructor", missing)) is True
    assert asyncio.run(may("student", missing)) is False


ROLES = ("admin", "instructor", "other_instructor", "student", "anonymous")


async def test_simultaneous_edits_keep_search_terms_true_to_what_is_stored(
    make_settings: Callable[..., Settings], fresh_db_name: str, accounts_app: AccountsApp
) -> None:
    people = cast(accounts_app)
    course = people.create("instructor")
    edits = [
        {"title": f"Title Number {i}"}
        if i % 3 == 0
        else {"tags": [f"tag{i}", "python"]}
        if i % 3 == 1
        else {"summary": f"Summary number {i}."}
        for i in range(12)
    ]
    async with serving(make_settings(fresh_db_name, **RELAXED)) as client:
        bodies = await asyncio.gather(
            *(
                agql(
                    client,
                    UPDATE,
                    {"input": {"courseId": course["id"], **edit}},
                    token=people.instructor.token,
                )
                for edit in edits
            )
        )
    assert all(b["data"]["courseUpdate"]["__typename"] == "CourseUpdatePayload" for b in bodies)
    stored = people.raw_course(course["id"])
    assert stored is not None
    assert _search_terms_consistent(stored)


def test_a_draft_is_hidden_on_every_path_but_from_its_managers(people: Cast) -> None:
    course = people.create("instructor")
    stored = people.raw_course(course["id"])
    assert stored is not None
    session_id = people.app.db.sessions.insert_one(
        {
            "courseId": stored["_id"],
            "mode": "VIRTUAL",
            "campusId": None,
            "startsAt": stored["createdAt"],
            "endsAt": stored["createdAt"],
            "capacity": 10,
            "instructorId": people.instructor.object_id,
            "meetingUrl": None,
        }
    ).inserted_id
    query = """query Paths($course: ID!, $session: ID!) {
        course: node(id: $course) { id }
        session: node(id: $session) { ... on Session { course { id } } } }"""
    variables = {"course": course["id"], "session": to_global_id("Session", session_id)}
    for role in ("anonymous", "student", "other_instructor"):
        body = people.call(query, variables, role)
        assert body["data"] == {"course": None, "session": None}, (role, body)
    for role in ("instructor", "admin"):
        body = people.call(query, variables, role)
        assert body["data"] == {
            "course": {"id": course["id"]},
            "session": {"course": {"id": course["id"]}},
        }, (role, body)
