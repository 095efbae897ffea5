"""The root Subscription type: live seats, the viewer's enrolments, course edits.

Over graphql-transport-ws on /graphql. A subscription that must end (token
expired, access lost, too slow a reader) sends one last `next` whose error
carries the reason in `extensions.code`, then `complete`.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry
from strawberry.types import Info

from resolvers import subscriptions as resolve
from resolvers.context import Context
from resolvers.global_ids import to_global_id
from schema.course import Course
from schema.enrollment import Enrollment


@strawberry.type(description="A session's free seats and waitlist, as of one version.")
class SessionSeats:
    session_id: strawberry.ID = strawberry.field(description="The session's ID.")
    version: int = strawberry.field(
        description=(
            "Per-session, increasing with every change, across all servers: a client "
            "keeps the highest it has seen. The first message is the current state."
        )
    )
    seats_left: int = strawberry.field(description="Seats nobody holds.")
    waitlist_length: int = strawberry.field(description="Students waiting for a seat.")
    reason: str = strawberry.field(
        description="What changed: CURRENT (the first message), ENROLLED, CANCELLED_BY_USER, …"
    )

    @classmethod
    def of(cls, update: resolve.SeatsUpdate) -> SessionSeats:
        return cls(
            session_id=strawberry.ID(to_global_id("Session", update.session_id)),
            version=update.version,
            seats_left=update.seats_left,
            waitlist_length=update.waitlist_length,
            reason=update.reason,
        )


@strawberry.type(description="One of the viewer's enrolments changed.")
class EnrollmentUpdate:
    enrollment: Enrollment = strawberry.field(description="The enrolment as it stands now.")
    reason: str = strawberry.field(
        description=(
            "ENROLLED, PROMOTED (a seat from the waitlist), CANCELLED_BY_USER, "
            "SESSION_CANCELLED, ACCOUNT_DELETED."
        )
    )


@strawberry.type(description="A course was edited.")
class CourseUpdate:
    course: Course = strawberry.field(description="The course as it stands now.")
    reason: str = strawberry.field(
        description="COURSE_UPDATED, COURSE_PUBLISHED, COURSE_UNPUBLISHED or COURSE_ARCHIVED."
    )


@strawberry.type(description="Live updates over graphql-transport-ws on /graphql.")
class Subscription:
    @strawberry.subscription(
        description=(
            "A session's seats left and waitlist length: the current state first, then "
            "every change in version order."
        )
    )
    async def session_seats(
        self, info: Info[Context, None], session_id: strawberry.ID
    ) -> AsyncGenerator[SessionSeats, None]:
        async for update in resolve.session_seats(info.context, session_id):
            yield SessionSeats.of(update)

    @strawberry.subscription(
        description=(
            "The viewer's enrolments as they change: enrolled, promoted from a waitlist, "
            "cancelled (by the student, an administrator or a cancelled session)."
        )
    )
    async def viewer_enrollment_updated(
        self, info: Info[Context, None]
    ) -> AsyncGenerator[EnrollmentUpdate, None]:
        async for update in resolve.viewer_enrollment_updated(info.context):
            yield EnrollmentUpdate(
                enrollment=Enrollment.from_view(update.view), reason=update.reason
            )

    @strawberry.subscription(
        description="Edits of a course, for its instructors and administrators."
    )
    async def course_updated(
        self, info: Info[Context, None], course_id: strawberry.ID
    ) -> AsyncGenerator[CourseUpdate, None]:
        async for update in resolve.course_updated(info.context, course_id):
            yield CourseUpdate(course=Course.from_doc(update.course), reason=update.reason)
