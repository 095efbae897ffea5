"""Enrollment: a student's place in a session, or on its waitlist."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Self

import strawberry
from bson import ObjectId
from strawberry.types import Info

from cache.tags import record_entity
from datastore.pages import Page
from resolvers import enrollment as resolve
from resolvers.context import Context
from resolvers.enrollment import EnrollmentView
from resolvers.global_ids import to_global_id
from schema.batched import batched_field, built_once, resolve_batched
from schema.connection import Connection, connection, known_count
from schema.enums import EnrollmentStatus
from schema.node import Node
from schema.user import User

if TYPE_CHECKING:
    from schema.session import Session


# The batch functions of Enrollment's batched fields (see schema.batched).


async def _sessions(ctx: Context, enrollments: Sequence[Enrollment]) -> list[Session | None]:
    from schema.session import Session

    ids = [each.doc["sessionId"] for each in enrollments]
    docs = await ctx.loaders.session_by_id.load_many(ids)
    return built_once(ctx, Session.from_doc, docs)


async def _users(ctx: Context, enrollments: Sequence[Enrollment]) -> list[User | None]:
    docs = await ctx.loaders.user_by_id.load_many([each.doc["userId"] for each in enrollments])
    return built_once(ctx, User.from_doc, docs)


@strawberry.type(
    description=(
        "A student's enrolment in a session. Its status is ACTIVE while it holds a seat, "
        "WAITLISTED (with a position) while it waits for one, CANCELLED once the student, "
        "an administrator or the session's cancellation ended it, and COMPLETED once a "
        "seated student's session has ended. Visible to the student, the session's "
        "instructors and administrators."
    )
)
class Enrollment(Node):
    doc: strawberry.Private[dict[str, Any]]
    status: EnrollmentStatus = strawberry.field(description="Where the student stands now.")
    waitlist_position: int | None = strawberry.field(
        description="1 for the next student to get a seat; null unless WAITLISTED."
    )
    created_at: datetime = strawberry.field(description="When the student enrolled (UTC).")
    updated_at: datetime = strawberry.field(
        description="When the status last changed: enrolled, seated or cancelled (UTC)."
    )
    cancelled_at: datetime | None = strawberry.field(
        description="When it was cancelled (UTC); null unless cancelled."
    )

    @classmethod
    def from_view(cls, view: EnrollmentView) -> Self:
        doc = view.doc
        record_entity("Enrollment", doc["_id"])  # the response cache purges by it
        return cls(
            doc=doc,
            id=strawberry.ID(to_global_id("Enrollment", doc["_id"])),
            status=EnrollmentStatus(view.status),
            waitlist_position=view.waitlist_position,
            created_at=doc["createdAt"],
            updated_at=view.updated_at,
            cancelled_at=doc.get("cancelledAt"),
        )

    @batched_field(_sessions, description="The session.")
    async def session(
        self, info: Info[Context, None]
    ) -> Annotated[Session, strawberry.lazy("schema.session")] | None:
        return await resolve_batched(info, _sessions, self)

    @batched_field(_users, description="The student.")
    async def user(self, info: Info[Context, None]) -> User | None:
        return await resolve_batched(info, _users, self)


async def enrollment_node(ctx: Context, doc: dict[str, Any]) -> Enrollment | None:
    """An enrolment for `node(id:)`; the registry has checked the viewer may see it."""
    view = await resolve.view(ctx, doc)
    if view is None:
        return None
    return Enrollment.from_view(view)


def enrollment_connection(
    page: Page, views: Mapping[ObjectId, EnrollmentView]
) -> Connection[Enrollment]:
    """A page of enrolments whose statuses the resolver has already derived."""
    return connection(
        page, lambda doc: Enrollment.from_view(views[doc["_id"]]), known_count(page.total or 0)
    )
