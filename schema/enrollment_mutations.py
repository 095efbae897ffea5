"""`sessionEnroll` and `enrollmentCancel`."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from resolvers import enrollment as resolve
from resolvers.context import Context
from resolvers.enrollment import EnrollmentView
from resolvers.outcomes import Refusal
from schema.enrollment import Enrollment
from schema.mutation_errors import (
    AlreadyCancelled,
    AlreadyEnrolled,
    NotFound,
    SessionClosed,
    ValidationError,
    mutation_error,
)
from schema.permissions import login_required


@strawberry.input(description="The session to join.")
class SessionEnrollInput:
    session_id: strawberry.ID = strawberry.field(description="The session's global ID.")


@strawberry.input(description="The enrolment to end.")
class EnrollmentCancelInput:
    enrollment_id: strawberry.ID = strawberry.field(description="The enrolment's global ID.")


@strawberry.type(description="The enrolment as it stands after the change.")
class EnrollmentPayload:
    enrollment: Enrollment = strawberry.field(description="Its status and waitlist position.")


SessionEnrollResult = Annotated[
    EnrollmentPayload | ValidationError | NotFound | SessionClosed | AlreadyEnrolled,
    strawberry.union("SessionEnrollResult"),
]
EnrollmentCancelResult = Annotated[
    EnrollmentPayload | ValidationError | NotFound | SessionClosed | AlreadyCancelled,
    strawberry.union("EnrollmentCancelResult"),
]


def _result(outcome: EnrollmentView | Refusal) -> Any:
    if isinstance(outcome, Refusal):
        return mutation_error(outcome)
    return EnrollmentPayload(enrollment=Enrollment.from_view(outcome))


@strawberry.type
class EnrollmentMutations:
    @strawberry.mutation(
        description=(
            "Join a session: ACTIVE when a seat is free, otherwise WAITLISTED with a "
            "position. Waiting students get freed seats in the order they enrolled."
        ),
        extensions=login_required(),
    )
    async def session_enroll(
        self, info: Info[Context, None], input: SessionEnrollInput
    ) -> SessionEnrollResult:
        outcome = await resolve.enroll(info.context, session_gid=input.session_id)
        result: SessionEnrollResult = _result(outcome)
        return result

    @strawberry.mutation(
        description=(
            "Leave a session or its waitlist (the student, or an administrator). A freed "
            "seat goes to the earliest waiting student."
        ),
        extensions=login_required(),
    )
    async def enrollment_cancel(
        self, info: Info[Context, None], input: EnrollmentCancelInput
    ) -> EnrollmentCancelResult:
        outcome = await resolve.cancel(info.context, enrollment_gid=input.enrollment_id)
        result: EnrollmentCancelResult = _result(outcome)
        return result
