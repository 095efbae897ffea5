"""`sessionSchedule`, `sessionUpdate` and `sessionCancel`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from resolvers import session_admin as resolve
from resolvers.context import Context
from resolvers.outcomes import Refusal
from resolvers.session_input import SessionFields, parse_session_fields
from schema.enums import SessionMode
from schema.mutation_errors import NotFound, SessionClosed, ValidationError, mutation_error
from schema.permissions import course_managers
from schema.session import Session


def _given(value: Any) -> Any:
    return None if value is strawberry.UNSET or value is None else value


@strawberry.input(description="A new session of a course you teach (or any, as an admin).")
class SessionScheduleInput:
    course_id: strawberry.ID = strawberry.field(description="The course's global ID.")
    mode: SessionMode = strawberry.field(description="Virtual classroom or in person.")
    starts_at: datetime = strawberry.field(description="Start (UTC); in the future.")
    ends_at: datetime = strawberry.field(description="End (UTC); after the start.")
    capacity: int = strawberry.field(description="Seats, from 1 to 500.")
    campus_id: strawberry.ID | None = strawberry.field(
        default=None, description="Where it takes place; required in person."
    )
    meeting_url: str | None = strawberry.field(
        default=None, description="An https link to the virtual classroom; required if virtual."
    )
    instructor_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Who teaches it: one of the course's instructors (default: you).",
    )

    def to_fields(self) -> SessionFields | Refusal:
        return parse_session_fields(
            mode=self.mode.value,
            campus_id=self.campus_id,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            capacity=self.capacity,
            instructor_id=self.instructor_id,
            meeting_url=self.meeting_url,
        )


@strawberry.input(description="Changes to a session; fields left out stay as they are.")
class SessionUpdateInput:
    session_id: strawberry.ID = strawberry.field(description="The session's global ID.")
    mode: SessionMode | None = strawberry.UNSET
    starts_at: datetime | None = strawberry.UNSET
    ends_at: datetime | None = strawberry.UNSET
    capacity: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="1 to 500, and never below a seat a student holds.",
    )
    campus_id: strawberry.ID | None = strawberry.UNSET
    meeting_url: str | None = strawberry.UNSET
    instructor_id: strawberry.ID | None = strawberry.UNSET

    def to_fields(self) -> SessionFields | Refusal:
        mode = _given(self.mode)
        return parse_session_fields(
            mode=mode.value if mode else None,
            campus_id=_given(self.campus_id),
            starts_at=_given(self.starts_at),
            ends_at=_given(self.ends_at),
            capacity=_given(self.capacity),
            instructor_id=_given(self.instructor_id),
            meeting_url=_given(self.meeting_url),
        )


@strawberry.input(description="The session to cancel.")
class SessionCancelInput:
    session_id: strawberry.ID = strawberry.field(description="The session's global ID.")


@strawberry.type(description="The session as now stored.")
class SessionPayload:
    session: Session = strawberry.field(description="The session.")


SessionScheduleResult = Annotated[
    SessionPayload | ValidationError | NotFound, strawberry.union("SessionScheduleResult")
]
SessionUpdateResult = Annotated[
    SessionPayload | ValidationError | NotFound | SessionClosed,
    strawberry.union("SessionUpdateResult"),
]
SessionCancelResult = Annotated[
    SessionPayload | ValidationError | NotFound | SessionClosed,
    strawberry.union("SessionCancelResult"),
]


def _result(outcome: dict[str, Any] | Refusal) -> Any:
    if isinstance(outcome, Refusal):
        return mutation_error(outcome)
    return SessionPayload(session=Session.from_doc(outcome))


@strawberry.type
class SessionMutations:
    @strawberry.mutation(
        description="Schedule a session (the course's instructors and admins).",
        extensions=course_managers(),
    )
    async def session_schedule(
        self, info: Info[Context, None], input: SessionScheduleInput
    ) -> SessionScheduleResult:
        fields = input.to_fields()
        outcome = (
            fields
            if isinstance(fields, Refusal)
            else await resolve.schedule(info.context, course_gid=input.course_id, fields=fields)
        )
        result: SessionScheduleResult = _result(outcome)
        return result

    @strawberry.mutation(
        description=(
            "Change a session (the course's instructors and admins). Raising the capacity "
            "seats waiting students at once; lowering it below a seat a student holds is "
            "refused and changes nothing."
        ),
        extensions=course_managers(),
    )
    async def session_update(
        self, info: Info[Context, None], input: SessionUpdateInput
    ) -> SessionUpdateResult:
        fields = input.to_fields()
        outcome = (
            fields
            if isinstance(fields, Refusal)
            else await resolve.update(info.context, session_gid=input.session_id, fields=fields)
        )
        result: SessionUpdateResult = _result(outcome)
        return result

    @strawberry.mutation(
        description=(
            "Cancel a session (the course's instructors and admins): every enrolment in it "
            "becomes CANCELLED; the session stays visible with `cancelledAt`."
        ),
        extensions=course_managers(),
    )
    async def session_cancel(
        self, info: Info[Context, None], input: SessionCancelInput
    ) -> SessionCancelResult:
        outcome = await resolve.cancel(info.context, session_gid=input.session_id)
        result: SessionCancelResult = _result(outcome)
        return result
