"""Enrolment: join a session (or its waitlist), leave it, and read where one stands."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId

from datastore.enrollment import (
    cancel_enrollment,
    find_enrollment,
    insert_enrollment,
    settle,
    user_enrollments,
)
from datastore.keyset import SortSpec
from datastore.pages import Page, Window, slice_page
from datastore.seating import Seating, SeatingStatus
from resolvers.authorization import may_act_for_user, may_manage_course
from resolvers.context import Context
from resolvers.enrollment_events import enrollments_changed
from resolvers.errors import BadUserInput
from resolvers.global_ids import expect_global_id
from resolvers.outcomes import Problem, Refusal
from resolvers.pagination import page_window
from resolvers.visibility import course_public

log = logging.getLogger("leeto.enrollment")

__all__ = [
    "EnrollmentView",
    "cancel",
    "cancel_all_enrollments_of_user",
    "enroll",
    "view_of",
]


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class EnrollmentView:
    """An enrolment with the status its session's seating gives it now."""

    doc: dict[str, Any]
    status: str
    waitlist_position: int | None
    updated_at: datetime


def view_of(doc: dict[str, Any], session: dict[str, Any], seating: Seating) -> EnrollmentView:
    status = seating.status.get(doc["_id"], SeatingStatus.WAITLISTED)
    shown = status.value
    if status is SeatingStatus.ACTIVE and session["endsAt"] <= _now():
        shown = "COMPLETED"
    claim = seating.seat_of.get(doc["_id"])
    changes = [doc["createdAt"], doc.get("cancelledAt"), claim and claim["createdAt"]]
    return EnrollmentView(
        doc=doc,
        status=shown,
        waitlist_position=seating.position(doc["_id"]) if status.value == "WAITLISTED" else None,
        updated_at=max(c for c in changes if c is not None),
    )


async def seating_of(ctx: Context, session: dict[str, Any]) -> Seating:
    seating: Seating = await ctx.loaders.seating_by_session.load(session["_id"])
    return seating


async def view(ctx: Context, doc: dict[str, Any]) -> EnrollmentView | None:
    session = await ctx.loaders.session_by_id.load(doc["sessionId"])
    if session is None:
        return None
    return view_of(doc, session, await seating_of(ctx, session))


def _remember(ctx: Context, session_id: ObjectId, seating: Seating) -> None:
    """The payload shows the write: the session's seating as the settling left it."""
    ctx.loaders.seating_by_session.clear(session_id).prime(session_id, seating)
    taken = seating.seated_by_claims
    ctx.loaders.seats_taken_by_session.clear(session_id).prime(session_id, taken)


def _refusal(problem: Problem, message: str, field: str | None = None) -> Refusal:
    return Refusal(problem, message, field=field)


def _live(views: list[EnrollmentView]) -> EnrollmentView | None:
    for item in views:
        if item.status in {"ACTIVE", "WAITLISTED"}:
            return item
    return None


async def _session_for_enrolment(
    ctx: Context, session_gid: str
) -> tuple[dict[str, Any], dict[str, Any]] | Refusal:
    try:
        session_id = expect_global_id(session_gid, "Session", argument="sessionId")
    except BadUserInput as exc:
        return _refusal(Problem.VALIDATION_ERROR, exc.message, "sessionId")
    session: dict[str, Any] | None = await ctx.loaders.session_by_id.load(session_id)
    course = None if session is None else await ctx.loaders.course_by_id.load(session["courseId"])
    if session is None or course is None or not course_public(course):
        return _refusal(Problem.NOT_FOUND, "No session has this ID.", "sessionId")
    if session.get("cancelledAt") is not None:
        return _refusal(Problem.SESSION_CANCELLED, "This session was cancelled.", "sessionId")
    if session["startsAt"] <= _now():
        return _refusal(Problem.SESSION_STARTED, "This session has already started.", "sessionId")
    return session, course


async def enroll(ctx: Context, *, session_gid: str) -> EnrollmentView | Refusal:
    """Take a seat if one is free, else a place on the waitlist.

    A student's attempts in a session are numbered; the unique index on
    (session, student, attempt) lets one of several simultaneous requests win,
    and a new attempt is made only when every earlier one has ended.
    """
    viewer = ctx.require_viewer()
    found = await _session_for_enrolment(ctx, session_gid)
    if isinstance(found, Refusal):
        return found
    session, _course = found
    earlier = await user_enrollments(ctx.db, viewer.user_id, session["_id"])
    if earlier:
        seating = await seating_of(ctx, session)
        if _live([view_of(doc, session, seating) for doc in earlier]) is not None:
            return _refusal(
                Problem.ALREADY_ENROLLED, "You are already enrolled in this session.", "sessionId"
            )
    attempt = 1 + max((int(doc.get("attempt", 1)) for doc in earlier), default=0)
    now = _now()
    doc = await insert_enrollment(
        ctx.db, session_id=session["_id"], user_id=viewer.user_id, attempt=attempt, now=now
    )
    if doc is None:
        return _refusal(
            Problem.ALREADY_ENROLLED, "You are already enrolled in this session.", "sessionId"
        )
    seated: list[ObjectId] = []
    seating = await settle(ctx.db, session["_id"], int(session["capacity"]), now=now, seated=seated)
    _remember(ctx, session["_id"], seating)
    result = view_of(doc, session, seating)
    log.info("user %s enrolled in session %s: %s", viewer.user_id, session["_id"], result.status)
    await enrollments_changed(
        ctx,
        session["_id"],
        reason="ENROLLED",
        enrollments=[doc["_id"]],
        promoted=seated,
        seating=seating,
    )
    return result


async def may_manage_enrollment(ctx: Context, doc: dict[str, Any]) -> bool:
    """The student themselves, or an administrator."""
    return await may_act_for_user(ctx, doc["userId"])


CLASS_LIST_MESSAGE = "Only this session's instructors and administrators may see its class list."


async def may_see_class_list(ctx: Context, session: dict[str, Any]) -> bool:
    """The session's instructor, its course's instructors and administrators."""
    viewer = ctx.viewer()
    if viewer is None:
        return False
    if viewer.user_id == session["instructorId"]:
        return True
    course = await ctx.loaders.course_by_id.load(session["courseId"])
    return course is not None and await may_manage_course(ctx, course)


async def may_see_enrollment(ctx: Context, doc: dict[str, Any]) -> bool:
    """The student, the session's instructors and administrators."""
    if await may_manage_enrollment(ctx, doc):
        return True
    session = await ctx.loaders.session_by_id.load(doc["sessionId"])
    return session is not None and await may_see_class_list(ctx, session)


ENROLLMENT_ORDER = SortSpec(tag="enrollment:newest", field="createdAt", descending=True, kind="d")
CLASS_ORDER = SortSpec(tag="enrollment:oldest", field="createdAt", kind="d")


async def user_enrollment_page(
    ctx: Context,
    user: dict[str, Any],
    *,
    status: str | None,
    first: int | None,
    after: str | None,
    last: int | None = None,
    before: str | None = None,
) -> tuple[Page, dict[ObjectId, EnrollmentView]]:
    """A user's enrolments, newest first, with their current status."""
    window = page_window(
        ENROLLMENT_ORDER, first=first, after=after, last=last, before=before, default=20
    )
    docs = await user_enrollments(ctx.db, user["_id"])
    session_ids = list({doc["sessionId"] for doc in docs})
    sessions = await ctx.loaders.session_by_id.load_many(session_ids)
    seatings = await ctx.loaders.seating_by_session.load_many(session_ids)
    by_session = {
        sid: (session, seating)
        for sid, session, seating in zip(session_ids, sessions, seatings, strict=True)
        if session is not None
    }
    views: dict[ObjectId, EnrollmentView] = {}
    for doc in docs:
        found = by_session.get(doc["sessionId"])
        if found is not None:
            views[doc["_id"]] = view_of(doc, found[0], found[1])
    return views_page(views, status, ENROLLMENT_ORDER, window), views


def views_page(
    views: Mapping[ObjectId, EnrollmentView], status: str | None, spec: SortSpec, window: Window
) -> Page:
    """A page of enrolments of one status (or all), by their derived status."""
    wanted = [v.doc for v in views.values() if status is None or v.status == status]
    return slice_page(wanted, spec, window=window)


async def cancel(ctx: Context, *, enrollment_gid: str) -> EnrollmentView | Refusal:
    """Leave a session or its waitlist; a freed seat goes to the earliest waiting student."""
    ctx.require_viewer()
    try:
        enrollment_id = expect_global_id(enrollment_gid, "Enrollment", argument="enrollmentId")
    except BadUserInput as exc:
        return _refusal(Problem.VALIDATION_ERROR, exc.message, "enrollmentId")
    doc = await find_enrollment(ctx.db, enrollment_id)
    if doc is None or not await may_manage_enrollment(ctx, doc):
        # The same answer for someone else's enrolment: IDs reveal nothing.
        return _refusal(Problem.NOT_FOUND, "No enrolment of yours has this ID.", "enrollmentId")
    session = await ctx.loaders.session_by_id.load(doc["sessionId"])
    if session is None:
        return _refusal(Problem.NOT_FOUND, "No enrolment of yours has this ID.", "enrollmentId")
    current = view_of(doc, session, await seating_of(ctx, session))
    if current.status == "CANCELLED":
        return _refusal(Problem.ALREADY_CANCELLED, "This enrolment is already cancelled.")
    if current.status == "COMPLETED":
        return _refusal(Problem.SESSION_ENDED, "This session has already ended.")
    updated = await _cancel_and_settle(ctx, doc, session, reason="CANCELLED_BY_USER")
    log.info("enrolment %s cancelled", enrollment_id)
    return updated


async def _cancel_and_settle(
    ctx: Context, doc: dict[str, Any], session: dict[str, Any], *, reason: str
) -> EnrollmentView:
    now = _now()
    await cancel_enrollment(ctx.db, doc["_id"], now=now, reason=reason)
    # Cancelled by this write or a simultaneous one; either way it is cancelled.
    stored = {"cancelledAt": now, "cancelReason": reason, **doc, "updatedAt": now}
    seated: list[ObjectId] = []
    seating = await settle(ctx.db, session["_id"], int(session["capacity"]), now=now, seated=seated)
    _remember(ctx, session["_id"], seating)
    await enrollments_changed(
        ctx,
        session["_id"],
        reason=reason,
        enrollments=[doc["_id"]],
        promoted=seated,
        seating=seating,
    )
    return view_of(stored, session, seating)


async def cancel_all_enrollments_of_user(ctx: Context, user_id: ObjectId) -> int:
    """Cancel every live enrolment of a user (account deletion), promoting waiting
    students in each session; how many were cancelled."""
    cancelled = 0
    for doc in await user_enrollments(ctx.db, user_id):
        if doc.get("cancelledAt") is not None:
            continue
        session = await ctx.loaders.session_by_id.load(doc["sessionId"])
        if session is None:
            continue
        await _cancel_and_settle(ctx, doc, session, reason="ACCOUNT_DELETED")
        cancelled += 1
    return cancelled
