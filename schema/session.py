"""Session: one scheduled run of a course."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Self

import strawberry
from strawberry.types import Info

from cache.tags import record_entity
from resolvers import session as resolve
from resolvers.context import Context
from resolvers.global_ids import to_global_id
from schema.batched import batched_field, built_once, resolve_batched
from schema.campus import Campus
from schema.connection import After, Before, Connection, First, Last
from schema.enums import EnrollmentStatus, SessionMode
from schema.node import Node
from schema.permissions import class_list_readers, session_participants
from schema.user import User

if TYPE_CHECKING:
    from schema.course import Course
    from schema.enrollment import Enrollment


# The batch functions of Session's batched fields (see schema.batched).


async def _courses(ctx: Context, sessions: Sequence[Session]) -> list[Course | None]:
    from schema.course import Course

    docs = await resolve.courses(ctx, [session.doc for session in sessions])
    return built_once(ctx, Course.from_doc, docs)


async def _campuses(ctx: Context, sessions: Sequence[Session]) -> list[Campus | None]:
    docs = await resolve.campuses(ctx, [session.doc for session in sessions])
    return built_once(ctx, Campus.from_doc, docs)


async def _instructors(ctx: Context, sessions: Sequence[Session]) -> list[User | None]:
    docs = await resolve.instructors(ctx, [session.doc for session in sessions])
    return built_once(ctx, User.from_doc, docs)


async def _seats_left(ctx: Context, sessions: Sequence[Session]) -> list[int]:
    return await resolve.seats_left(ctx, [session.doc for session in sessions])


@strawberry.type(description="A scheduled run of a course, virtual or at a campus.")
class Session(Node):
    doc: strawberry.Private[dict[str, Any]]
    mode: SessionMode = strawberry.field(description="Virtual classroom or in person.")
    starts_at: datetime = strawberry.field(description="Start (UTC).")
    ends_at: datetime = strawberry.field(description="End (UTC).")
    capacity: int = strawberry.field(description="Seats in total.")

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Self:
        record_entity("Session", doc["_id"])  # the response cache purges by it
        return cls(
            doc=doc,
            id=strawberry.ID(to_global_id("Session", doc["_id"])),
            mode=SessionMode(doc["mode"]),
            starts_at=doc["startsAt"],
            ends_at=doc["endsAt"],
            capacity=int(doc["capacity"]),
        )

    @batched_field(_courses, description="The course this session runs.")
    async def course(
        self, info: Info[Context, None]
    ) -> Annotated[Course, strawberry.lazy("schema.course")] | None:
        return await resolve_batched(info, _courses, self)

    @batched_field(_campuses, description="Where it takes place; null for virtual sessions.")
    async def campus(self, info: Info[Context, None]) -> Campus | None:
        return await resolve_batched(info, _campuses, self)

    @batched_field(_instructors, description="Who teaches it.")
    async def instructor(self, info: Info[Context, None]) -> User | None:
        return await resolve_batched(info, _instructors, self)

    @batched_field(_seats_left, description="Seats not yet taken by active enrolments.")
    async def seats_left(self, info: Info[Context, None]) -> int:
        return await resolve_batched(info, _seats_left, self)

    @strawberry.field(
        description=(
            "Link to the virtual classroom; null for in-person sessions. Only students "
            "enrolled in this session (active or completed), its instructor and "
            "administrators may read it; others get null with a FORBIDDEN error."
        ),
        extensions=session_participants(),
    )
    def meeting_url(self) -> str | None:
        # The CanJoinSession permission has already decided who reads this.
        url: str | None = self.doc.get("meetingUrl")
        return url

    @strawberry.field(
        description="The signed-in user's place in this session; null if none or anonymous."
    )
    async def viewer_enrollment_status(self, info: Info[Context, None]) -> EnrollmentStatus | None:
        status = await resolve.viewer_enrollment_status(info.context, self.doc)
        return None if status is None else EnrollmentStatus(status)

    @strawberry.field(
        description="The signed-in user's latest enrolment in this session; null if none."
    )
    async def viewer_enrollment(
        self, info: Info[Context, None]
    ) -> Annotated[Enrollment, strawberry.lazy("schema.enrollment")] | None:
        from schema.enrollment import Enrollment

        found = await resolve.viewer_enrollment(info.context, self.doc)
        return None if found is None else Enrollment.from_view(found)

    @strawberry.field(description="Students waiting for a seat.")
    async def waitlist_length(self, info: Info[Context, None]) -> int:
        return await resolve.waitlist_length(info.context, self.doc)

    @strawberry.field(description="When the session was cancelled (UTC); null if it runs.")
    def cancelled_at(self) -> datetime | None:
        value: datetime | None = self.doc.get("cancelledAt")
        return value

    @strawberry.field(
        description=(
            "The class list, in the order students enrolled (so waiting students appear in "
            "waitlist order). Only the session's instructors and administrators may read "
            "it; others get a FORBIDDEN error. Students' personal data stays private."
        ),
        extensions=class_list_readers(),
    )
    async def enrollments(
        self,
        info: Info[Context, None],
        first: First = None,
        after: After = None,
        status: Annotated[
            EnrollmentStatus | None, strawberry.argument(description="Only this status.")
        ] = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Annotated[Enrollment, strawberry.lazy("schema.enrollment")]]:
        from schema.enrollment import enrollment_connection

        page, views = await resolve.class_list(
            info.context,
            self.doc,
            status=status.value if status else None,
            first=first,
            after=after,
            last=last,
            before=before,
        )
        return enrollment_connection(page, views)
