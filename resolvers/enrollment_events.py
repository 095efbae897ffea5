"""The one place that hears about enrolment changes after they are stored.

Seats freed, students promoted from a waitlist, a session cancelled: every
write path of enrolment calls `enrollments_changed` once its write succeeded.
Notifications (e-mails, live subscriptions) attach here; it records the
change in the log, by ids only, publishes the live events, tells the job queue
to look for e-mails due, and names the session as changed, so cached responses
showing its seats or anyone's enrolments are purged.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from bson import ObjectId

from datastore.seating import Seating
from resolvers.context import Context
from resolvers.live_events import publish_enrolment_changes

log = logging.getLogger("leeto.enrollment.events")


async def enrollments_changed(
    ctx: Context,
    session_id: ObjectId,
    *,
    reason: str,
    enrollments: Sequence[ObjectId] = (),
    promoted: Sequence[ObjectId] = (),
    seating: Seating | None = None,
) -> None:
    """`enrollments` changed for `reason`; `promoted` were seated from the waitlist
    by this write's settling (each promotion is reported by the one writer whose
    seat claim won); `seating` is the session's as the settling last read it."""
    ctx.changed("Session", session_id)
    ctx.changed("Enrollment")
    log.info(
        "enrolments of session %s changed (%s), request %s", session_id, reason, ctx.request_id
    )
    await publish_enrolment_changes(
        ctx,
        session_id,
        reason=reason,
        enrollments=enrollments,
        promoted=promoted,
        seating=seating,
    )
    if ctx.jobs is not None:
        await ctx.jobs.enrollments_changed(session_id)
