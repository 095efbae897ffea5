"""Session reads."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bson import ObjectId

from auth.rules import may_join_session
from datastore.pages import Doc, Page
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
from resolvers.visibility import visible_courses


async def courses(ctx: Context, sessions: Sequence[Doc]) -> list[Doc | None]:
    """Each session's course, where the viewer may see it."""
    return await visible_courses(ctx, [session["courseId"] for session in sessions])


async def campuses(ctx: Context, sessions: Sequence[Doc]) -> list[Doc | None]:
    """Each session's campus; None for virtual sessions."""
    ids = [session.get("campusId") for session in sessions]
    found = iter(await ctx.loaders.campus_by_id.load_many([i for i in ids if i is not None]))
    return [None if campus_id is None else next(found) for campus_id in ids]


async def instructors(ctx: Context, sessions: Sequence[Doc]) -> list[Doc | None]:
    docs: list[Doc | None] = await ctx.loaders.user_by_id.load_many(
        [session["instructorId"] for session in sessions]
    )
    return docs


async def seats_left(ctx: Context, sessions: Sequence[Doc]) -> list[int]:
    """From the seat claims alone: one aggregate for a whole catalogue page."""
    running = [session["_id"] for session in sessions if session.get("cancelledAt") is None]
    taken = dict(
        zip(running, await ctx.loaders.seats_taken_by_session.load_many(running), strict=True)
    )
    return [
        0
        if session["_id"] not in taken
        else max(0, int(session["capacity"]) - taken[session["_id"]])
        for session in sessions
    ]


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
