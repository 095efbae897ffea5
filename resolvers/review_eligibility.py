"""Who may review a course: a student who holds or held a seat in one of its sessions."""

from __future__ import annotations

from bson import ObjectId

from datastore.enrollment import user_enrollments
from resolvers.context import Context
from resolvers.enrollment import view_of

SEATED = frozenset({"ACTIVE", "COMPLETED"})


async def may_review(ctx: Context, user_id: ObjectId, course_id: ObjectId) -> bool:
    enrolments = await user_enrollments(ctx.db, user_id)
    session_ids = list({doc["sessionId"] for doc in enrolments})
    sessions = await ctx.loaders.session_by_id.load_many(session_ids)
    of_course = {s["_id"]: s for s in sessions if s is not None and s["courseId"] == course_id}
    for doc in enrolments:
        session = of_course.get(doc["sessionId"])
        if session is None:
            continue
        seating = await ctx.loaders.seating_by_session.load(session["_id"])
        if view_of(doc, session, seating).status in SEATED:
            return True
    return False
