"""The one place that hears about enrolment changes after they are stored.

Seats freed, students promoted from a waitlist, a session cancelled: every
write path of enrolment calls `enrollments_changed` once its write succeeded.
Notifications (e-mails, live subscriptions) attach here; it records the
change in the log, by ids only, and names the session as changed, so cached
responses showing its seats or anyone's enrolments are purged.
"""

from __future__ import annotations

import logging

from bson import ObjectId

from resolvers.context import Context

log = logging.getLogger("leeto.enrollment.events")


async def enrollments_changed(ctx: Context, session_id: ObjectId, *, reason: str) -> None:
    ctx.changed("Session", session_id)
    ctx.changed("Enrollment")
    log.info(
        "enrolments of session %s changed (%s), request %s", session_id, reason, ctx.request_id
    )
