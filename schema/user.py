"""User: the public profile of a student, instructor or administrator."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, Self

import strawberry
from bson import ObjectId
from strawberry.types import Info

from cache.tags import record_entity
from resolvers import course_edits as resolve_course_edits
from resolvers import enrollment as resolve_enrollment
from resolvers import profile as resolve_profile
from resolvers.context import Context
from resolvers.global_ids import to_global_id
from schema.connection import After, Before, Connection, First, Last, connection
from schema.enums import EnrollmentStatus, Role
from schema.node import Node
from schema.permissions import self_or_admin

if TYPE_CHECKING:
    from schema.course import Course
    from schema.enrollment import Enrollment

PRIVATE = " Personal data: only this user and administrators may read it (else null, FORBIDDEN)."


def private_field(description: str) -> Any:
    """A field of personal data: described as such, guarded by IsSelfOrAdmin."""
    return strawberry.field(description=description + PRIVATE, extensions=self_or_admin())


@strawberry.type(
    description=(
        "A person using Leeto. The public profile is open to all; personal data is "
        "encrypted at rest and shown only to the user and to administrators."
    )
)
class User(Node):
    doc: strawberry.Private[dict[str, Any]]
    # Set only on the user a mutation has just authenticated (AuthPayload.user),
    # whose own personal data the payload may show though the request is anonymous.
    authenticated_as: strawberry.Private[ObjectId | None] = None
    display_name: str = strawberry.field(description="The name shown to others.")
    bio: str = strawberry.field(description="A short self-description.")
    city: str = strawberry.field(description="The city the user lives in.")
    roles: list[Role] = strawberry.field(description="What the user may do.")

    @classmethod
    def from_doc(cls, doc: dict[str, Any], *, authenticated: bool = False) -> Self:
        """`authenticated`: the credentials of this very mutation proved to be this user."""
        record_entity("User", doc["_id"])  # the response cache purges by it
        return cls(
            doc=doc,
            authenticated_as=doc["_id"] if authenticated else None,
            id=strawberry.ID(to_global_id("User", doc["_id"])),
            display_name=doc["displayName"],
            bio=doc.get("bio", ""),
            city=doc.get("city", ""),
            roles=[Role(r) for r in doc.get("roles", [])],
        )

    @strawberry.field(
        description="Email address, lower-case." + PRIVATE, extensions=self_or_admin()
    )
    async def email(self, info: Info[Context, None]) -> str | None:
        return (await resolve_profile.private_profile(info.context, self.doc)).email

    @strawberry.field(
        description="Phone number in E.164 form (+27821234567)." + PRIVATE,
        extensions=self_or_admin(),
    )
    async def phone(self, info: Info[Context, None]) -> str | None:
        return (await resolve_profile.private_profile(info.context, self.doc)).phone

    @strawberry.field(
        description="South African ID number (13 digits)." + PRIVATE, extensions=self_or_admin()
    )
    async def national_id(self, info: Info[Context, None]) -> str | None:
        return (await resolve_profile.private_profile(info.context, self.doc)).national_id

    @strawberry.field(
        description="Date of birth, from the ID number." + PRIVATE, extensions=self_or_admin()
    )
    async def date_of_birth(self, info: Info[Context, None]) -> date | None:
        born = (await resolve_profile.private_profile(info.context, self.doc)).date_of_birth
        return None if born is None else born.date()

    @strawberry.field(
        description=(
            "The user's enrolments, newest first, optionally of one status. Only this user "
            "and administrators may read them (else FORBIDDEN)."
        ),
        extensions=self_or_admin(),
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

        page, views = await resolve_enrollment.user_enrollment_page(
            info.context,
            self.doc,
            status=status.value if status else None,
            first=first,
            after=after,
            last=last,
            before=before,
        )
        return enrollment_connection(page, views)

    @strawberry.field(
        description="Courses this user teaches, by title, drafts and archived ones included. "
        "Only this user and administrators may read it (else null, FORBIDDEN).",
        extensions=self_or_admin(),
    )
    async def teaching(
        self,
        info: Info[Context, None],
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Annotated[Course, strawberry.lazy("schema.course")]] | None:
        from schema.course import Course

        ctx, doc = info.context, self.doc
        page = await resolve_course_edits.courses_taught(
            ctx, doc, first=first, after=after, last=last, before=before
        )

        async def count() -> int:
            return await resolve_course_edits.courses_taught_count(ctx, doc)

        return connection(page, Course.from_doc, count)
