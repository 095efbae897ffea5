"""The root Query type."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import strawberry
from strawberry.types import Info

from datastore.course import CourseOrder as StoredCourseOrder
from resolvers import account as resolve_account
from resolvers import campus as resolve_campus
from resolvers import course as resolve_course
from resolvers import job_failures as resolve_job_failures
from resolvers import node as resolve_node
from resolvers import user_directory as resolve_users
from resolvers.context import Context
from resolvers.course import CourseFilterArgs
from schema.campus import Campus
from schema.connection import After, Before, Connection, First, Last, connection
from schema.course import Course
from schema.enums import CourseLevel, CourseOrder, CourseTrack, Role, SessionMode
from schema.job_failure import JobFailure
from schema.node import Node
from schema.node_registry import SOURCES, as_node
from schema.permissions import admin_only
from schema.user import User


@strawberry.input(description="Narrows the catalogue; every given condition must hold.")
class CourseFilter:
    track: CourseTrack | None = strawberry.UNSET
    level: CourseLevel | None = strawberry.UNSET
    campus_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="Courses with a session at this campus."
    )
    mode: SessionMode | None = strawberry.field(
        default=strawberry.UNSET, description="Courses with a session in this mode."
    )
    search: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="Words (or word beginnings of 3+ letters) found in title, summary or tags.",
    )
    starts_after: datetime | None = strawberry.field(
        default=strawberry.UNSET, description="Courses with a session starting after this time."
    )

    def to_args(self) -> CourseFilterArgs:
        def given(value: Any) -> Any:
            return None if value is strawberry.UNSET else value

        track, level, mode = given(self.track), given(self.level), given(self.mode)
        return CourseFilterArgs(
            track=track.value if track else None,
            level=level.value if level else None,
            campus_id=given(self.campus_id),
            mode=mode.value if mode else None,
            search=given(self.search),
            starts_after=given(self.starts_after),
        )


@strawberry.type(description="Read the catalogue.")
class Query:
    @strawberry.field(description="Any object by its global ID.")
    async def node(self, info: Info[Context, None], id: strawberry.ID) -> Node | None:
        return await as_node(info.context, await resolve_node.node(info.context, id, SOURCES))

    @strawberry.field(description="Objects by global ID, in the order asked (at most 100).")
    async def nodes(self, info: Info[Context, None], ids: list[strawberry.ID]) -> list[Node | None]:
        found = await resolve_node.nodes(info.context, list(ids), SOURCES)
        return list(await asyncio.gather(*(as_node(info.context, item) for item in found)))

    @strawberry.field(
        description=(
            "The signed-in user, or null without an access token. "
            "An invalid or expired token is an UNAUTHENTICATED error."
        )
    )
    async def viewer(self, info: Info[Context, None]) -> User | None:
        doc = await resolve_account.viewer_user(info.context)
        return None if doc is None else User.from_doc(doc)

    @strawberry.field(
        description="Every user, by display name (administrators only).",
        extensions=admin_only(),
    )
    async def users(
        self,
        info: Info[Context, None],
        role: Role | None = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[User]:
        ctx, stored_role = info.context, role.value if role else None
        page = await resolve_users.users(
            ctx, role=stored_role, first=first, after=after, last=last, before=before
        )

        async def count() -> int:
            return await resolve_users.user_count(ctx, role=stored_role)

        return connection(page, User.from_doc, count)

    @strawberry.field(
        description="Background jobs that failed on every attempt, newest first "
        "(administrators only).",
        extensions=admin_only(),
    )
    async def job_failures(
        self, info: Info[Context, None], first: First = None, after: After = None
    ) -> Connection[JobFailure]:
        ctx = info.context
        page = await resolve_job_failures.job_failures(ctx, first=first, after=after)

        async def count() -> int:
            return await resolve_job_failures.job_failure_count(ctx)

        return connection(page, JobFailure.from_doc, count)

    @strawberry.field(description="Every campus, by city.")
    async def campuses(self, info: Info[Context, None]) -> list[Campus]:
        return [Campus.from_doc(doc) for doc in await resolve_campus.campuses(info.context)]

    @strawberry.field(
        description="A course by its slug: published ones for everyone; drafts and archived "
        "ones only for their instructors and administrators."
    )
    async def course(self, info: Info[Context, None], slug: str) -> Course | None:
        doc = await resolve_course.course_by_slug(info.context, slug)
        return None if doc is None else Course.from_doc(doc)

    @strawberry.field(description="The published catalogue, one page at a time.")
    async def courses(
        self,
        info: Info[Context, None],
        filter: CourseFilter | None = None,
        order_by: CourseOrder = CourseOrder.TITLE,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Course]:
        ctx, filter_args = info.context, filter.to_args() if filter else None
        page = await resolve_course.courses(
            ctx,
            filter_args=filter_args,
            order=StoredCourseOrder(order_by.value),
            first=first,
            after=after,
            last=last,
            before=before,
        )

        async def count() -> int:
            return await resolve_course.course_count(ctx, filter_args=filter_args)

        return connection(page, Course.from_doc, count)
