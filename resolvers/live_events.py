"""What a write publishes once it succeeded: seat counts, enrolment changes, course edits.

Seat events carry a per-session version claimed after the write
(`datastore.seat_versions`) and the counts read after claiming it, so the
event of version v reflects every write versioned v or lower (and perhaps
some later ones not yet versioned), and the newest version shows the final
state. Subscribers deliver versions in order (`live.ordering`). Counts are
absolute, so a version given up as lost costs nothing once a later arrives.
Events name ids only; subscribers read what they show with their own rights.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId

from datastore import collections as names
from datastore.enrollment import read_seating
from datastore.seat_versions import next_seat_version
from live import channels
from resolvers.context import Context

log = logging.getLogger("leeto.live")

# An enrolment whose status changed through another student's write.
PROMOTED = "PROMOTED"


def seat_counts(session: dict[str, Any], seated: int, waitlist: int) -> tuple[int, int]:
    """(seatsLeft, waitlistLength) as `Session` shows them."""
    if session.get("cancelledAt") is not None:
        return 0, waitlist
    return max(0, int(session["capacity"]) - seated), waitlist


async def publish_enrolment_changes(
    ctx: Context,
    session_id: ObjectId,
    *,
    reason: str,
    enrollments: Sequence[ObjectId],
    promoted: Sequence[ObjectId],
) -> None:
    """`enrollments` changed for `reason`; `promoted` got a seat from the waitlist."""
    broker = ctx.events
    if broker is None:
        return
    version = await next_seat_version(ctx.db, session_id, now=datetime.now(UTC))
    session = await ctx.db[names.SESSIONS].find_one({"_id": session_id})
    if session is None:
        return
    seating = await read_seating(ctx.db, session_id, int(session["capacity"]))
    seats_left, waitlist = seat_counts(session, seating.seated_by_claims, len(seating.waitlist))
    await broker.publish(
        channels.session_seats(session_id),
        {
            "sessionId": str(session_id),
            "version": version,
            "seatsLeft": seats_left,
            "waitlistLength": waitlist,
            "reason": reason,
        },
    )
    owners = {doc["_id"]: doc["userId"] for doc in seating.enrollments}
    changes = dict.fromkeys(promoted, PROMOTED)
    changes.update(dict.fromkeys(enrollments, reason))
    for enrollment_id, why in changes.items():
        user_id = owners.get(enrollment_id)
        if user_id is not None:
            await broker.publish(
                channels.user_enrollments(user_id),
                {"enrollmentId": str(enrollment_id), "sessionId": str(session_id), "reason": why},
            )
    log.debug("published seat version %d of session %s", version, session_id)


async def publish_course_change(ctx: Context, course_id: ObjectId, *, reason: str) -> None:
    if ctx.events is not None:
        await ctx.events.publish(
            channels.course(course_id), {"courseId": str(course_id), "reason": reason}
        )
