"""What a write publishes once it succeeded: seat counts, enrolment changes, course edits.

A seat event is the session's seating as read after the write, with a
version derived from that same read: the number of changes that made it
(`Seating.changes`: claims and enrolments are only inserted, a cancellation
only set) plus the session's capacity changes and its cancellation. Nothing
is counted in place, so there is no counter to contend for (on the embedded
engine `$inc` through `findAndModify` loses increments) and no extra write:
a higher version is a later state, the same state has the same version, and
the read that follows the last write has the highest. A subscriber shows
only versions above the last it showed: states arrive in order, an older
state never follows a newer one, and the final state is always shown.
Events name ids only; subscribers read what they show with their own rights.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from bson import ObjectId

from datastore import collections as names
from datastore.enrollment import read_seating
from datastore.seating import Seating
from live import channels
from resolvers.context import Context

log = logging.getLogger("leeto.live")

# An enrolment whose status changed through another student's write.
PROMOTED = "PROMOTED"


def seat_counts(session: dict[str, Any], seating: Seating) -> tuple[int, int]:
    """(seatsLeft, waitlistLength) as `Session` shows them."""
    waitlist = len(seating.waitlist)
    if session.get("cancelledAt") is not None:
        return 0, waitlist
    return max(0, int(session["capacity"]) - seating.seated_by_claims), waitlist


def seat_version(session: dict[str, Any], seating: Seating) -> int:
    """Grows with every change of the session's seats, whoever made it."""
    cancelled = int(session.get("cancelledAt") is not None)
    return seating.changes + int(session.get("capacityVersion", 0)) + cancelled


async def current_seats(
    ctx: Context, session_id: ObjectId, seating: Seating | None = None
) -> tuple[dict[str, Any], Seating] | None:
    """The session and its seating as stored now (`seating` when just read)."""
    session = await ctx.db[names.SESSIONS].find_one({"_id": session_id})
    if session is None:
        return None
    if seating is None or seating.capacity != int(session["capacity"]):
        seating = await read_seating(ctx.db, session_id, int(session["capacity"]))
    return session, seating


async def publish_enrolment_changes(
    ctx: Context,
    session_id: ObjectId,
    *,
    reason: str,
    enrollments: Sequence[ObjectId],
    promoted: Sequence[ObjectId],
    seating: Seating | None = None,
) -> None:
    """`enrollments` changed for `reason`; `promoted` got a seat from the waitlist;
    `seating` is the session's as read after the write, when the writer has it."""
    broker = ctx.events
    if broker is None:
        return
    await ctx.flush_changes()
    found = await current_seats(ctx, session_id, seating)
    if found is None:
        return
    session, seating = found
    seats_left, waitlist = seat_counts(session, seating)
    version = seat_version(session, seating)
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
        await ctx.flush_changes()
        await ctx.events.publish(
            channels.course(course_id), {"courseId": str(course_id), "reason": reason}
        )
