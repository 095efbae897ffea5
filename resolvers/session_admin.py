"""Scheduling sessions: create, change and cancel (a course's instructors and admins)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId

from datastore import collections as names
from datastore.enrollment import CapacityRefused, cancel_session_enrollments, change_capacity
from resolvers.authorization import may_manage_course
from resolvers.context import Context
from resolvers.enrollment_events import enrollments_changed
from resolvers.errors import BadUserInput
from resolvers.global_ids import expect_global_id
from resolvers.outcomes import Problem, Refusal, validation_error
from resolvers.session_input import SessionFields

log = logging.getLogger("leeto.sessions")


def _now() -> datetime:
    return datetime.now(UTC)


class _Invalid(Exception):
    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.message)
        self.refusal = refusal


def _id(value: str, type_name: str, field: str) -> ObjectId:
    try:
        return expect_global_id(value, type_name, argument=field)
    except BadUserInput as exc:
        raise _Invalid(validation_error(field, exc.message)) from None


async def _checked(
    ctx: Context, course: dict[str, Any], given: SessionFields, current: dict[str, Any] | None
) -> dict[str, Any]:
    """The stored fields for a new or changed session, or _Invalid naming the field."""
    merged: dict[str, Any] = dict(current or {})
    for key, value in (
        ("mode", given.mode),
        ("startsAt", given.starts_at),
        ("endsAt", given.ends_at),
        ("capacity", given.capacity),
        ("meetingUrl", given.meeting_url),
    ):
        if value is not None:
            merged[key] = value
    for key in ("startsAt", "endsAt", "capacity"):
        if key not in merged:
            raise _Invalid(validation_error(key, "This field is required."))
    if merged["endsAt"] <= merged["startsAt"]:
        raise _Invalid(validation_error("endsAt", "A session must end after it starts."))
    if given.starts_at is not None and merged["startsAt"] <= _now():
        raise _Invalid(validation_error("startsAt", "A session must start in the future."))
    if given.campus_id is not None:
        campus_id = _id(given.campus_id, "Campus", "campusId")
        if await ctx.db[names.CAMPUSES].find_one({"_id": campus_id}, {"_id": 1}) is None:
            raise _Invalid(validation_error("campusId", "No campus has this ID."))
        merged["campusId"] = campus_id
    if merged.get("mode") == "IN_PERSON":
        if merged.get("campusId") is None:
            raise _Invalid(validation_error("campusId", "An in-person session needs a campus."))
        merged["meetingUrl"] = None
    elif merged.get("mode") == "VIRTUAL":
        if not merged.get("meetingUrl"):
            raise _Invalid(validation_error("meetingUrl", "A virtual session needs a link."))
        merged["campusId"] = None
    if given.instructor_id is not None:
        merged["instructorId"] = _id(given.instructor_id, "User", "instructorId")
    if merged.get("instructorId") not in course.get("instructorIds", []):
        raise _Invalid(
            validation_error("instructorId", "The instructor must be one who teaches this course.")
        )
    return merged


async def _managed_course(ctx: Context, course_id: ObjectId) -> dict[str, Any] | Refusal:
    course: dict[str, Any] | None = await ctx.loaders.course_by_id.load(course_id)
    if course is None or not await may_manage_course(ctx, course):
        return Refusal(Problem.NOT_FOUND, "No course you manage has this ID.", field="courseId")
    return course


async def schedule(
    ctx: Context, *, course_gid: str, fields: SessionFields
) -> dict[str, Any] | Refusal:
    viewer = ctx.require_viewer()
    try:
        course_id = _id(course_gid, "Course", "courseId")
        course = await _managed_course(ctx, course_id)
        if isinstance(course, Refusal):
            return course
        # Without an instructor given, the instructor scheduling it teaches it.
        doc = await _checked(ctx, course, fields, {"instructorId": viewer.user_id})
    except _Invalid as invalid:
        return invalid.refusal
    now = _now()
    doc.setdefault("campusId", None)
    doc.setdefault("meetingUrl", None)
    doc.update({"_id": ObjectId(), "courseId": course_id, "createdAt": now, "updatedAt": now})
    await ctx.db[names.SESSIONS].insert_one(doc)
    ctx.loaders.session_by_id.prime(doc["_id"], doc)
    # Its course's sessions, and the catalogue's session filters, include it now.
    ctx.changed("Session", doc["_id"], lists=True)
    ctx.changed("Course", course_id, lists=True)
    log.info("session %s scheduled for course %s", doc["_id"], course_id)
    return doc


async def _managed_session(
    ctx: Context, session_gid: str
) -> tuple[dict[str, Any], dict[str, Any]] | Refusal:
    try:
        session_id = _id(session_gid, "Session", "sessionId")
    except _Invalid as invalid:
        return invalid.refusal
    session: dict[str, Any] | None = await ctx.loaders.session_by_id.load(session_id)
    course = None if session is None else await ctx.loaders.course_by_id.load(session["courseId"])
    if session is None or course is None or not await may_manage_course(ctx, course):
        return Refusal(Problem.NOT_FOUND, "No session you manage has this ID.", field="sessionId")
    if session.get("cancelledAt") is not None:
        return Refusal(Problem.SESSION_CANCELLED, "This session was cancelled.", field="sessionId")
    return session, course


async def update(
    ctx: Context, *, session_gid: str, fields: SessionFields
) -> dict[str, Any] | Refusal:
    """Change a session; a capacity below the seats taken is refused and changes nothing."""
    ctx.require_viewer()
    found = await _managed_session(ctx, session_gid)
    if isinstance(found, Refusal):
        return found
    session, course = found
    try:
        merged = await _checked(ctx, course, fields, session)
    except _Invalid as invalid:
        return invalid.refusal
    now = _now()
    changes = {
        key: merged[key]
        for key in ("mode", "campusId", "startsAt", "endsAt", "instructorId", "meetingUrl")
        if merged.get(key) != session.get(key)
    }
    seated: list[ObjectId] = []
    if fields.capacity is not None and fields.capacity != session["capacity"]:
        try:
            await change_capacity(ctx.db, session, fields.capacity, now=now, seated=seated)
        except CapacityRefused as refused:
            if refused.reason == "busy":
                message = "Another change to this session's capacity is under way; try again."
            else:
                message = (
                    f"Seat {refused.highest_taken} is taken: capacity cannot go below it "
                    "until that student leaves."
                )
            return validation_error("capacity", message)
    if changes:
        await ctx.db[names.SESSIONS].update_one(
            {"_id": session["_id"]}, {"$set": {**changes, "updatedAt": now}}
        )
    stored = await ctx.db[names.SESSIONS].find_one({"_id": session["_id"]})
    assert stored is not None
    ctx.loaders.session_by_id.clear(session["_id"]).prime(session["_id"], stored)
    ctx.loaders.seating_by_session.clear(session["_id"])
    ctx.loaders.seat_claims_by_session.clear(session["_id"])
    ctx.loaders.seats_taken_by_session.clear(session["_id"])
    ctx.loaders.enrollments_by_session.clear(session["_id"])
    ctx.changed("Session", session["_id"], lists=True)
    ctx.changed("Course", session["courseId"], lists=True)
    await enrollments_changed(ctx, session["_id"], reason="SESSION_UPDATED", promoted=seated)
    return stored


async def cancel(ctx: Context, *, session_gid: str) -> dict[str, Any] | Refusal:
    """Cancel a session and every enrolment in it; history is kept."""
    ctx.require_viewer()
    found = await _managed_session(ctx, session_gid)
    if isinstance(found, Refusal):
        return found
    session, _course = found
    now = _now()
    await ctx.db[names.SESSIONS].update_one(
        {"_id": session["_id"]}, {"$set": {"cancelledAt": now, "updatedAt": now}}
    )
    cancelled = await cancel_session_enrollments(ctx.db, session["_id"], now=now)
    stored = await ctx.db[names.SESSIONS].find_one({"_id": session["_id"]})
    assert stored is not None
    ctx.loaders.session_by_id.clear(session["_id"]).prime(session["_id"], stored)
    ctx.loaders.enrollments_by_session.clear(session["_id"])
    ctx.loaders.seating_by_session.clear(session["_id"])
    ctx.loaders.seats_taken_by_session.clear(session["_id"])
    log.info("session %s cancelled with %d enrolments", session["_id"], len(cancelled))
    ctx.changed("Session", session["_id"], lists=True)
    ctx.changed("Course", session["courseId"], lists=True)
    await enrollments_changed(
        ctx, session["_id"], reason="SESSION_CANCELLED", enrollments=cancelled
    )
    return stored
