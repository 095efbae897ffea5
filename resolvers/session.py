"""Session reads."""

from __future__ import annotations

from typing import Any

from auth.rules import may_join_session
from resolvers.authorization import current_actor
from resolvers.context import Context
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
    taken: int = await ctx.loaders.seats_taken_by_session.load(session["_id"])
    return max(0, int(session["capacity"]) - taken)


MEETING_URL_MESSAGE = (
    "The meeting link is for students enrolled in this session, its instructor and administrators."
)
# A place in the session: a waitlisted or cancelled student gets no link.
SEATED = frozenset({"ACTIVE", "COMPLETED"})


async def viewer_enrollment_status(ctx: Context, session: dict[str, Any]) -> str | None:
    viewer = ctx.viewer()
    if viewer is None:
        return None
    doc = await ctx.loaders.enrollment_by_user_session.load((viewer.user_id, session["_id"]))
    return None if doc is None else str(doc["status"])


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
