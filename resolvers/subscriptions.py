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

from datastore.enrollment import find_enrollment, read_seating
from datastore.seat_versions import latest_seat_version
from live import channels
from live.fanout import Event, SlowConsumer, Subscriber
from live.ordering import VersionOrder
from resolvers.authorization import current_actor, may_manage_course
from resolvers.context import Context
from resolvers.course_edits import FORBIDDEN_MESSAGE
from resolvers.enrollment import EnrollmentView, view
from resolvers.errors import Forbidden, NotFound, SlowConsumerDropped
from resolvers.global_ids import expect_global_id
from resolvers.live_events import seat_counts
from resolvers.visibility import child_visible

# How long a seat event that arrived before the versions it follows waits for
# them (published late by a busy server) before they are given up as lost.
SEAT_GAP_WAIT: Final = timedelta(seconds=5)
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


def _earliest(*moments: datetime | None) -> datetime | None:
    given = [moment for moment in moments if moment is not None]
    return min(given) if given else None


async def _watch(
    ctx: Context,
    subscriber: Subscriber,
    check: Check,
    wake: Callable[[], datetime | None] = lambda: None,
) -> AsyncIterator[tuple[Context, Event | None]]:
    """Events with the fresh context they were re-checked on, and (with None) each
    time `wake()`'s moment passes; raises when access ends."""
    token_check = _expiry(ctx)
    while True:
        woken = wake()
        event = await _next(subscriber, _earliest(token_check, woken))
        fresh = ctx.for_operation()
        fresh.viewer()  # an expired or revoked token raises Unauthenticated
        if event is None and token_check is not None and _now() >= token_check:
            token_check = _later(EXPIRY_RECHECK_SECONDS)
        if event is None and (woken is None or _now() < woken):
            continue
        await check(fresh)
        yield fresh, event


async def _visible_session(ctx: Context, session_id: ObjectId) -> dict[str, Any]:
    session: dict[str, Any] | None = await ctx.loaders.session_by_id.load(session_id)
    if session is None or not await child_visible(ctx, session):
        raise NotFound("No session has this ID.", argument="sessionId")
    return session


async def _seats_now(ctx: Context, session_id: ObjectId) -> SeatsUpdate:
    # The version first, then the counts: they reflect every write up to it.
    version = await latest_seat_version(ctx.db, session_id)
    session = await _visible_session(ctx.for_operation(), session_id)
    seating = await read_seating(ctx.db, session_id, int(session["capacity"]))
    left, waiting = seat_counts(session, seating.seated_by_claims, len(seating.waitlist))
    return SeatsUpdate(session_id, version, left, waiting, "CURRENT")


def _broker(ctx: Context) -> Any:
    if ctx.events is None:
        raise RuntimeError("no event broker is configured for this context")
    return ctx.events


async def session_seats(ctx: Context, session_gid: str) -> AsyncIterator[SeatsUpdate]:
    """The seats now, then each change, in version order (older ones never follow newer)."""
    session_id = expect_global_id(session_gid, "Session", argument="sessionId")
    await _visible_session(ctx, session_id)

    async def still_visible(fresh: Context) -> None:
        await _visible_session(fresh, session_id)

    async with _broker(ctx).subscribe(channels.session_seats(session_id)) as subscriber:
        current = await _seats_now(ctx, session_id)
        yield current
        order: VersionOrder[SeatsUpdate] = VersionOrder(current.version)
        gap_since: datetime | None = None

        def gap_deadline() -> datetime | None:
            return None if gap_since is None else gap_since + SEAT_GAP_WAIT

        async for _fresh, event in _watch(ctx, subscriber, still_visible, gap_deadline):
            if event is None:
                ready = order.skip_gap()
            else:
                update = SeatsUpdate(
                    session_id,
                    int(event["version"]),
                    int(event["seatsLeft"]),
                    int(event["waitlistLength"]),
                    str(event["reason"]),
                )
                ready = order.add(update.version, update)
            for update in ready:
                yield update
            if not order.waiting:
                gap_since = None
            elif gap_since is None or ready:
                gap_since = _now()


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
            if event is None:
                continue
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
            if event is None:
                continue
            course = await may_edit(fresh)
            yield CourseUpdate(course, str(event["reason"]))
