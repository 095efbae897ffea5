"""The live streams behind the Subscription fields.

Each subscription checks its arguments and rights at subscribe time, then for
every event checks again on fresh state (a fresh copy of the operation's
context: token verified again, current roles and data), so a user who lost
access, or whose token expired, stops receiving. A token is also re-checked
at its expiry time when no event comes. Either ends the subscription with an
error (`UNAUTHENTICATED` with reason TOKEN_EXPIRED, or `FORBIDDEN`), after
which the server completes the operation; the connection stays open for the
client to subscribe again with a new token.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from bson import ObjectId
from bson.errors import InvalidId

from datastore.enrollment import find_enrollment
from live import channels
from live.fanout import Event, SlowConsumer, Subscriber
from resolvers.authorization import current_actor, may_manage_course
from resolvers.context import Context
from resolvers.course_edits import FORBIDDEN_MESSAGE
from resolvers.enrollment import EnrollmentView, view
from resolvers.errors import Forbidden, NotFound, SlowConsumerDropped
from resolvers.global_ids import expect_global_id
from resolvers.live_events import current_seats, seat_counts, seat_version
from resolvers.visibility import child_visible

# After a token's expiry time the verifier may still accept it for its leeway:
# checked again this often until it refuses.
EXPIRY_RECHECK_SECONDS: Final = 1.0

Check = Callable[[Context], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class SeatsUpdate:
    session_id: ObjectId
    version: int
    seats_left: int
    waitlist_length: int
    reason: str


@dataclass(frozen=True, slots=True)
class EnrollmentUpdate:
    view: EnrollmentView
    reason: str


@dataclass(frozen=True, slots=True)
class CourseUpdate:
    course: dict[str, Any]
    reason: str


def _expiry(ctx: Context) -> datetime | None:
    viewer = ctx.viewer()
    return None if viewer is None else viewer.expires_at


async def _next(subscriber: Subscriber, until: datetime | None) -> Event | None:
    """The next event, or None when `until` came first."""
    delay = None if until is None else max(0.0, (until - _now()).total_seconds())
    try:
        async with asyncio.timeout(delay):
            return await subscriber.get()
    except TimeoutError:
        return None
    except SlowConsumer:
        raise SlowConsumerDropped(
            "This subscription fell too far behind its events and was ended; subscribe again."
        ) from None


def _now() -> datetime:
    return datetime.now(UTC)


def _later(seconds: float) -> datetime:
    return _now() + timedelta(seconds=seconds)


async def _watch(
    ctx: Context, subscriber: Subscriber, check: Check
) -> AsyncIterator[tuple[Context, Event]]:
    """Events with the fresh context they were re-checked on; raises when access ends
    (checked on every event, and for the token also at its expiry time)."""
    token_check = _expiry(ctx)
    while True:
        event = await _next(subscriber, token_check)
        fresh = ctx.for_operation()
        fresh.viewer()  # an expired or revoked token raises Unauthenticated
        if event is None:
            token_check = _later(EXPIRY_RECHECK_SECONDS)
            continue
        await check(fresh)
        yield fresh, event


async def _visible_session(ctx: Context, session_id: ObjectId) -> dict[str, Any]:
    session: dict[str, Any] | None = await ctx.loaders.session_by_id.load(session_id)
    if session is None or not await child_visible(ctx, session):
        raise NotFound("No session has this ID.", argument="sessionId")
    return session


async def _seats_now(ctx: Context, session_id: ObjectId) -> SeatsUpdate:
    found = await current_seats(ctx, session_id)
    if found is None:
        raise NotFound("No session has this ID.", argument="sessionId")
    session, seating = found
    left, waiting = seat_counts(session, seating)
    return SeatsUpdate(session_id, seat_version(session, seating), left, waiting, "CURRENT")


def _broker(ctx: Context) -> Any:
    if ctx.events is None:
        raise RuntimeError("no event broker is configured for this context")
    return ctx.events


async def session_seats(ctx: Context, session_gid: str) -> AsyncIterator[SeatsUpdate]:
    """The seats now, then each later state, in version order (see `live_events`)."""
    session_id = expect_global_id(session_gid, "Session", argument="sessionId")
    await _visible_session(ctx, session_id)

    async def still_visible(fresh: Context) -> None:
        await _visible_session(fresh, session_id)

    async with _broker(ctx).subscribe(channels.session_seats(session_id)) as subscriber:
        current = await _seats_now(ctx, session_id)
        yield current
        last = current.version
        async for _fresh, event in _watch(ctx, subscriber, still_visible):
            version = int(event["version"])
            # An older state, published late, is covered by the newer one shown.
            if version <= last:
                continue
            last = version
            yield SeatsUpdate(
                session_id,
                version,
                int(event["seatsLeft"]),
                int(event["waitlistLength"]),
                str(event["reason"]),
            )


async def viewer_enrollment_updated(ctx: Context) -> AsyncIterator[EnrollmentUpdate]:
    """The viewer's own enrolments as they change, each shown as it stands now."""
    viewer = ctx.require_viewer()

    async def still_signed_in(fresh: Context) -> None:
        # A deleted account's token stays valid until it expires; its events stop now.
        if await current_actor(fresh) is None:
            raise Forbidden("This account no longer exists.")

    shown: dict[ObjectId, str] = {}
    async with _broker(ctx).subscribe(channels.user_enrollments(viewer.user_id)) as subscriber:
        async for fresh, event in _watch(ctx, subscriber, still_signed_in):
            try:
                enrollment_id = ObjectId(str(event["enrollmentId"]))
            except InvalidId:
                continue
            doc = await find_enrollment(fresh.db, enrollment_id)
            if doc is None or doc["userId"] != viewer.user_id:
                continue
            current = await view(fresh, doc)
            # Two writers may report one change (an enrolment seated at once by
            # another student's settling): the same status is not sent twice.
            if current is None or shown.get(enrollment_id) == current.status:
                continue
            shown[enrollment_id] = current.status
            yield EnrollmentUpdate(current, str(event["reason"]))


async def course_updated(ctx: Context, course_gid: str) -> AsyncIterator[CourseUpdate]:
    """Edits of a course, for its instructors and administrators editing together."""
    ctx.require_viewer()
    course_id = expect_global_id(course_gid, "Course", argument="courseId")

    async def may_edit(fresh: Context) -> dict[str, Any]:
        course: dict[str, Any] | None = await fresh.loaders.course_by_id.load(course_id)
        if course is None:
            raise NotFound("No course has this ID.", argument="courseId")
        if not await may_manage_course(fresh, course):
            raise Forbidden(FORBIDDEN_MESSAGE)
        return course

    async def still_may_edit(fresh: Context) -> None:
        await may_edit(fresh)

    await may_edit(ctx)
    async with _broker(ctx).subscribe(channels.course(course_id)) as subscriber:
        async for fresh, event in _watch(ctx, subscriber, still_may_edit):
            course = await may_edit(fresh)
            yield CourseUpdate(course, str(event["reason"]))
