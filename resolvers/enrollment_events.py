"""The one place that hears about enrolment changes after they are stored.

Seats freed, students promoted from a waitlist, a session cancelled: every
write path of enrolment calls `enrollments_changed` once its write succeeded.
Notifications (e-mails, live subscriptions, cache invalidation) attach here:
the change is logged by ids only, and the job queue looks for e-mails due.
"""

from __future__ import annotations

import logging

from bson import ObjectId

from resolvers.context import Context

log = logging.getLogger("leeto.enrollment.events")


async def enrollments_changed(ctx: Context, session_id: ObjectId, *, reason: str) -> None:
    log.info(
        "enrolments of session %s changed (%s), request %s", session_id, reason, ctx.request_id
    )
    if ctx.jobs is not None:
        await ctx.jobs.enrollments_changed(session_id)
