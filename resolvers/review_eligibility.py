"""Who may review a course: a student who holds or held a place in one of its sessions.

Kept apart on purpose: it reads enrolments as they are stored today (a
`status` of ACTIVE or COMPLETED on an enrolment of one of the course's
sessions), and only this function needs to change when that storage does.
"""

from __future__ import annotations

from bson import ObjectId

from datastore.review import has_seated_enrollment
from resolvers.context import Context


async def may_review(ctx: Context, user_id: ObjectId, course_id: ObjectId) -> bool:
    return await has_seated_enrollment(ctx.db, user_id, course_id)
