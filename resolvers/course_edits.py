"""Catalogue management: courses created, edited, published and archived.

Who may call these is decided before they run, by the schema's permission
classes on the rules of `auth.rules` (an instructor for the courses they
teach, an administrator for all). Every input is checked before the one write
each mutation makes, so a refused mutation changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final, cast

from bson import ObjectId

from auth.roles import Role
from auth.rules import is_admin, is_instructor, may_create_course, may_manage_course
from datastore.course_edits import (
    TEACHING_ORDER,
    SlugTaken,
    count_courses_taught,
    find_course,
    find_courses_taught,
    insert_course,
    new_course_doc,
)
from datastore.course_edits import update_course as store_update
from datastore.pages import Page
from datastore.search_terms import index_terms
from resolvers.authorization import current_actor, viewer_is_admin
from resolvers.context import Context
from resolvers.course_input import parse_course_fields
from resolvers.errors import BadUserInput, Forbidden
from resolvers.global_ids import expect_global_id
from resolvers.live_events import publish_course_change
from resolvers.outcomes import Refusal, not_found, validation_error
from resolvers.pagination import page_window

__all__ = [
    "archive_course",
    "course_to_manage",
    "courses_taught",
    "create_course",
    "may_manage_named_course",
    "publish_course",
    "update_course",
]

log = logging.getLogger("leeto.catalogue")

REQUIRED: Final = ("slug", "title", "track", "level", "priceCents", "durationHours")
SEARCHED: Final = ("title", "summary", "tags")  # what searchTerms are made of
MAX_INSTRUCTORS: Final = 10
# Conditional updates that lost a race are retried on a fresh read. Every round
# lets at least one of the editors through, so this bounds the editors of one
# course at the same moment, far above what a course sees.
MAX_ATTEMPTS: Final = 32

FORBIDDEN_MESSAGE = "Only this course's instructors and administrators may change it."


def _now() -> datetime:
    return datetime.now(UTC)


def _search_terms(course: Mapping[str, Any]) -> list[str]:
    return index_terms(
        [course.get("title", ""), course.get("summary", ""), *course.get("tags", [])]
    )


def _slug_taken() -> Refusal:
    return validation_error("slug", "Another course already uses this slug; choose another.")


async def _load_course(ctx: Context, course_id: str | None) -> dict[str, Any] | None:
    """The course a global ID names, or None (not an ID of a course, or no such course)."""
    if course_id is None:
        return None
    try:
        object_id = expect_global_id(course_id, "Course", argument="courseId")
    except BadUserInput:
        return None
    doc: dict[str, Any] | None = await ctx.loaders.course_by_id.load(object_id)
    return doc


async def _course_of_session(ctx: Context, session_id: str) -> dict[str, Any] | None:
    try:
        object_id = expect_global_id(session_id, "Session", argument="sessionId")
    except BadUserInput:
        return None
    session: dict[str, Any] | None = await ctx.loaders.session_by_id.load(object_id)
    if session is None:
        return None
    course: dict[str, Any] | None = await ctx.loaders.course_by_id.load(session["courseId"])
    return course


async def may_manage_named_course(
    ctx: Context, *, course_id: str | None = None, session_id: str | None = None
) -> bool:
    """For permission classes on mutations naming a course: by `input.courseId`, or
    through one of its sessions by `input.sessionId`.

    Only instructors and administrators pass; of them, only the course's
    managers when it exists. A course or session that does not exist is left
    to the resolver, which answers NotFound.
    """
    actor = await current_actor(ctx)
    if not may_create_course(actor):
        return False
    if course_id is not None:
        course = await _load_course(ctx, course_id)
    elif session_id is not None:
        course = await _course_of_session(ctx, session_id)
    else:
        course = None
    return course is None or may_manage_course(actor, course)


async def course_to_manage(ctx: Context, course_id: str) -> dict[str, Any] | Refusal:
    """The course `courseId` names, which the viewer manages; else a typed refusal.

    For resolvers behind the permission class; the rule is asked again so a
    resolver can never act on a course its caller does not manage.
    """
    try:
        expect_global_id(course_id, "Course", argument="courseId")
    except BadUserInput as exc:
        return validation_error("courseId", exc.message)
    course = await _load_course(ctx, course_id)
    if course is None:
        return not_found("courseId", "No course has this ID.")
    if not may_manage_course(await current_actor(ctx), course):
        raise Forbidden(FORBIDDEN_MESSAGE)
    return course


async def _instructor_ids(ctx: Context, given: list[str]) -> list[ObjectId] | Refusal:
    """Users named as instructors: each must exist and hold the INSTRUCTOR role."""
    if len(given) > MAX_INSTRUCTORS:
        return validation_error("instructorIds", f"Give at most {MAX_INSTRUCTORS} instructors.")
    ids: dict[ObjectId, None] = {}
    for value in given:
        try:
            ids.setdefault(expect_global_id(value, "User", argument="instructorIds"), None)
        except BadUserInput as exc:
            return validation_error("instructorIds", exc.message)
    users = await ctx.loaders.user_by_id.load_many(list(ids))
    for user in users:
        if (
            user is None
            or user.get("deletedAt") is not None
            or Role.INSTRUCTOR.value not in user.get("roles", [])
        ):
            return validation_error(
                "instructorIds", "Every instructor must be a user with the INSTRUCTOR role."
            )
    return list(ids)


def _remember(ctx: Context, doc: dict[str, Any], *, old_slug: str | None = None) -> None:
    """The rest of this request reads the course as just written; cached responses
    showing it, or any list of courses (it may enter, leave or move), go."""
    ctx.changed("Course", doc["_id"], lists=True)
    loaders = ctx.loaders
    loaders.course_by_id.clear(doc["_id"]).prime(doc["_id"], doc)
    if old_slug is not None:
        loaders.course_by_slug.clear(old_slug)
    loaders.course_by_slug.clear(doc["slug"]).prime(doc["slug"], doc)


async def create_course(
    ctx: Context, given: Mapping[str, Any], instructor_ids: list[str] | None
) -> dict[str, Any] | Refusal:
    """A new draft course. An instructor creating it becomes its instructor;
    administrators may name the instructors instead."""
    actor = await current_actor(ctx)
    if not may_create_course(actor):
        raise Forbidden("Only instructors and administrators may add courses.")
    assert actor is not None
    fields = parse_course_fields(given, required=REQUIRED)
    if isinstance(fields, Refusal):
        return fields
    if instructor_ids is not None:
        if not is_admin(actor):
            return validation_error(
                "instructorIds", "Only administrators choose instructors; you teach this course."
            )
        teachers = await _instructor_ids(ctx, instructor_ids)
        if isinstance(teachers, Refusal):
            return teachers
    else:
        teachers = [cast(ObjectId, actor.user_id)] if is_instructor(actor) else []
    stored = fields.stored()
    doc = new_course_doc(
        stored, instructor_ids=teachers, now=_now(), search_terms=_search_terms(stored)
    )
    try:
        await insert_course(ctx.db, doc)
    except SlugTaken:
        return _slug_taken()
    _remember(ctx, doc)
    log.info("course %s created by user %s", doc["_id"], actor.user_id)
    return doc


async def update_course(
    ctx: Context, course_id: str, given: Mapping[str, Any], instructor_ids: list[str] | None
) -> dict[str, Any] | Refusal:
    """Change the given fields; searchTerms follow title, summary and tags.

    The new searchTerms are computed from the stored values of the fields not
    being changed, and the update applies only while they still hold, so two
    editors changing the title and the tags at once cannot leave the search
    terms describing neither (the loser reads again and recomputes).
    """
    course = await course_to_manage(ctx, course_id)
    if isinstance(course, Refusal):
        return course
    fields = parse_course_fields(given)
    if isinstance(fields, Refusal):
        return fields
    changes = fields.stored()
    if instructor_ids is not None:
        if not await viewer_is_admin(ctx):
            return validation_error("instructorIds", "Only administrators change instructors.")
        teachers = await _instructor_ids(ctx, instructor_ids)
        if isinstance(teachers, Refusal):
            return teachers
        changes["instructorIds"] = teachers
    if not changes:
        return course
    changes["updatedAt"] = _now()
    for _ in range(MAX_ATTEMPTS):
        expected: dict[str, Any] = {}
        if any(field in changes for field in SEARCHED):
            changes["searchTerms"] = _search_terms({**course, **changes})
            expected = {f: course.get(f) for f in SEARCHED if f not in changes}
        try:
            updated = await store_update(
                ctx.db, course["_id"], expected=expected, set_fields=changes
            )
        except SlugTaken:
            return _slug_taken()
        if updated is not None:
            _remember(ctx, updated, old_slug=course["slug"])
            log.info("course %s updated", course["_id"])
            await publish_course_change(ctx, course["_id"], reason="COURSE_UPDATED")
            return updated
        fresh = await find_course(ctx.db, course["_id"])
        if fresh is None:
            return not_found("courseId", "No course has this ID.")
        course = fresh
    raise RuntimeError("the course kept changing during the update")


async def publish_course(ctx: Context, course_id: str, published: bool) -> dict[str, Any] | Refusal:
    """Show the course in the catalogue (or withdraw it to a draft).

    Publishing an archived course brings it back.
    """
    course = await course_to_manage(ctx, course_id)
    if isinstance(course, Refusal):
        return course
    updated = await store_update(
        ctx.db,
        course["_id"],
        expected={},
        set_fields={"published": published, "updatedAt": _now()},
        unset_fields=["archivedAt"] if published else [],
    )
    if updated is None:
        return not_found("courseId", "No course has this ID.")
    _remember(ctx, updated)
    log.info("course %s %s", course["_id"], "published" if published else "unpublished")
    reason = "COURSE_PUBLISHED" if published else "COURSE_UNPUBLISHED"
    await publish_course_change(ctx, course["_id"], reason=reason)
    return updated


async def archive_course(ctx: Context, course_id: str) -> dict[str, Any] | Refusal:
    """Hide the course from the catalogue for good, keeping it, its sessions,
    enrolments and reviews; its managers still see it. Archiving twice keeps
    the first time."""
    course = await course_to_manage(ctx, course_id)
    if isinstance(course, Refusal):
        return course
    if course.get("archivedAt") is not None:
        return course
    now = _now()
    updated = await store_update(
        ctx.db,
        course["_id"],
        expected={},
        set_fields={"published": False, "archivedAt": now, "updatedAt": now},
    )
    if updated is None:
        return not_found("courseId", "No course has this ID.")
    _remember(ctx, updated)
    log.info("course %s archived", course["_id"])
    await publish_course_change(ctx, course["_id"], reason="COURSE_ARCHIVED")
    return updated


async def courses_taught(
    ctx: Context,
    user: Mapping[str, Any],
    *,
    first: int | None,
    after: str | None,
    last: int | None = None,
    before: str | None = None,
) -> Page:
    """Courses the user teaches, drafts and archived ones included, by title."""
    window = page_window(
        TEACHING_ORDER, first=first, after=after, last=last, before=before, default=20
    )
    page = await find_courses_taught(ctx.db, user["_id"], window=window)
    for doc in page.items:
        ctx.loaders.course_by_id.prime(doc["_id"], doc)
    return page


async def courses_taught_count(ctx: Context, user: Mapping[str, Any]) -> int:
    return await count_courses_taught(ctx.db, user["_id"])
