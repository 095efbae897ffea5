"""Session reads."""

from __future__ import annotations

from typing import Any

from bson import ObjectId

from auth.rules import may_join_session
from datastore.pages import Page
from datastore.seating import Seating
from resolvers.authorization import current_actor
from resolvers.context import Context
from resolvers.enrollment import (
    CLASS_ORDER,
    EnrollmentView,
    view_of,
    views_page,
)
from resolvers.pagination import page_window
from resolvers.visibility import visible_course


async def course(ctx: Context, session: dict[str, Any]) -> dict[str, Any] | None:
    return await visible_course(ctx, session["courseId"])


async def campus(ctx: Context, session: dict[str, Any]) -> dict[str, Any] | None:
    campus_id = session.get("campusId")
    if campus_id is None:
        return None
    doc: dict[str, Any] | None = await ctx.loaders.campus_by_id.load(campus_id)
    return doc


async def instructor(ctx: Context, session: dict[str, Any]) -> dict[str, Any] | None:
    doc: dict[str, Any] | None = await ctx.loaders.user_by_id.load(session["instructorId"])
    return doc


async def seats_left(ctx: Context, session: dict[str, Any]) -> int:
    """From the seat claims alone: one aggregate for a whole catalogue page."""
    if session.get("cancelledAt") is not None:
        return 0
    taken: int = await ctx.loaders.seats_taken_by_session.load(session["_id"])
    return max(0, int(session["capacity"]) - taken)


async def waitlist_length(ctx: Context, session: dict[str, Any]) -> int:
    seating: Seating = await ctx.loaders.seating_by_session.load(session["_id"])
    return len(seating.waitlist)


async def viewer_enrollment(ctx: Context, session: dict[str, Any]) -> EnrollmentView | None:
    viewer = ctx.viewer()
    if viewer is None:
        return None
    doc = await ctx.loaders.enrollment_by_user_session.load((viewer.user_id, session["_id"]))
    if doc is None:
        return None
    seating: Seating = await ctx.loaders.seating_by_session.load(session["_id"])
    return view_of(doc, session, seating)


async def class_list(
    ctx: Context,
    session: dict[str, Any],
    *,
    status: str | None,
    first: int | None,
    after: str | None,
    last: int | None = None,
    before: str | None = None,
) -> tuple[Page, dict[ObjectId, EnrollmentView]]:
    """The session's enrolments in the order students enrolled; waiting students
    therefore appear in waitlist order."""
    window = page_window(
        CLASS_ORDER, first=first, after=after, last=last, before=before, default=20
    )
    seating: Seating = await ctx.loaders.seating_by_session.load(session["_id"])
    views = {doc["_id"]: view_of(doc, session, seating) for doc in seating.enrollments}
    return views_page(views, status, CLASS_ORDER, window), views


MEETING_URL_MESSAGE = (
    "The meeting link is for students enrolled in this session, its instructor and administrators."
)
# A place in the session: a waitlisted or cancelled student gets no link.
SEATED = frozenset({"ACTIVE", "COMPLETED"})


async def viewer_enrollment_status(ctx: Context, session: dict[str, Any]) -> str | None:
    found = await viewer_enrollment(ctx, session)
    return None if found is None else found.status


async def may_join(ctx: Context, session: dict[str, Any]) -> bool:
    """Seated students, the session's instructor and administrators; anyone when
    there is no link to hide (in person)."""
    if session.get("meetingUrl") is None:
        return True
    actor = await current_actor(ctx)
    if actor is None:
        return False
    seated = await viewer_enrollment_status(ctx, session) in SEATED
    return may_join_session(actor, session, seated=seated)
