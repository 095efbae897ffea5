"""Catalogue management: courseCreate, courseUpdate, coursePublish, courseArchive.

Instructors manage the courses they teach and administrators every course;
others get FORBIDDEN (UNAUTHENTICATED without a token) from the permission
classes. Input problems are typed results naming the field; nothing changes.
"""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from resolvers import course_edits as resolve
from resolvers.context import Context
from resolvers.outcomes import Refusal
from schema.course import Course
from schema.enums import CourseLevel, CourseTrack
from schema.mutation_errors import NotFound, ValidationError, mutation_error
from schema.permissions import course_creators, course_managers

_SLUG = "Unique, URL-friendly name: lower-case words joined by hyphens, 3 to 80 characters."
_TITLE = "3 to 120 characters."
_SUMMARY = "One or two sentences for listings, up to 300 characters."
_DESCRIPTION = "The full description, up to 5000 characters; line breaks are kept."
_TAGS = "Up to 10 keywords of 2 to 30 characters; stored lower-case, repeats dropped."
_PRICE = "Price in South African rand cents (ZAR), 0 (free) to 100000000."
_DURATION = "Teaching hours in a session, 1 to 1000."


def _given(**values: Any) -> dict[str, Any]:
    """The fields a client sent (camelCase), enums as their stored strings."""
    return {
        name: value.value if isinstance(value, CourseTrack | CourseLevel) else value
        for name, value in values.items()
        if value is not strawberry.UNSET
    }


def _ids(values: list[strawberry.ID] | None) -> list[str] | None:
    return None if values is None or values is strawberry.UNSET else [str(v) for v in values]


@strawberry.input(description="A new course. It starts as an unpublished draft.")
class CourseCreateInput:
    slug: str = strawberry.field(description=_SLUG)
    title: str = strawberry.field(description=_TITLE)
    summary: str = strawberry.field(default="", description=_SUMMARY)
    description: str = strawberry.field(default="", description=_DESCRIPTION)
    track: CourseTrack = strawberry.field(description="Subject area.")
    level: CourseLevel = strawberry.field(description="Expected experience.")
    tags: list[str] = strawberry.field(default_factory=list, description=_TAGS)
    price_cents: int = strawberry.field(description=_PRICE)
    duration_hours: int = strawberry.field(description=_DURATION)
    instructor_ids: list[strawberry.ID] | None = strawberry.field(
        default=strawberry.UNSET,
        description="Administrators only: who teaches it (users with the INSTRUCTOR role). "
        "An instructor creating a course becomes its instructor.",
    )

    def fields(self) -> dict[str, Any]:
        return _given(
            slug=self.slug,
            title=self.title,
            summary=self.summary,
            description=self.description,
            track=self.track,
            level=self.level,
            tags=self.tags,
            priceCents=self.price_cents,
            durationHours=self.duration_hours,
        )


@strawberry.input(
    description="Changes to a course. Leave a field out to keep it; if any field is invalid, "
    "nothing changes. Ratings are not edited here: they follow the reviews."
)
class CourseUpdateInput:
    course_id: strawberry.ID = strawberry.field(description="The course's global ID.")
    slug: str | None = strawberry.field(default=strawberry.UNSET, description=_SLUG)
    title: str | None = strawberry.field(default=strawberry.UNSET, description=_TITLE)
    summary: str | None = strawberry.field(default=strawberry.UNSET, description=_SUMMARY)
    description: str | None = strawberry.field(default=strawberry.UNSET, description=_DESCRIPTION)
    track: CourseTrack | None = strawberry.field(
        default=strawberry.UNSET, description="Subject area."
    )
    level: CourseLevel | None = strawberry.field(
        default=strawberry.UNSET, description="Expected experience."
    )
    tags: list[str] | None = strawberry.field(default=strawberry.UNSET, description=_TAGS)
    price_cents: int | None = strawberry.field(default=strawberry.UNSET, description=_PRICE)
    duration_hours: int | None = strawberry.field(default=strawberry.UNSET, description=_DURATION)
    instructor_ids: list[strawberry.ID] | None = strawberry.field(
        default=strawberry.UNSET,
        description="Administrators only: the complete new list of instructors.",
    )

    def changes(self) -> dict[str, Any]:
        return _given(
            slug=self.slug,
            title=self.title,
            summary=self.summary,
            description=self.description,
            track=self.track,
            level=self.level,
            tags=self.tags,
            priceCents=self.price_cents,
            durationHours=self.duration_hours,
        )


@strawberry.input(description="Show a course in the catalogue, or take it back to a draft.")
class CoursePublishInput:
    course_id: strawberry.ID = strawberry.field(description="The course's global ID.")
    published: bool = strawberry.field(
        default=True,
        description="false withdraws it to a draft. Publishing an archived course restores it.",
    )


@strawberry.input(description="Take a course out of the catalogue, keeping its history.")
class CourseArchiveInput:
    course_id: strawberry.ID = strawberry.field(description="The course's global ID.")


@strawberry.type(description="The new course, an unpublished draft.")
class CourseCreatePayload:
    course: Course = strawberry.field(description="The course as stored.")


@strawberry.type(description="The course with its changes.")
class CourseUpdatePayload:
    course: Course = strawberry.field(description="The course as stored.")


@strawberry.type(description="The course, published or withdrawn.")
class CoursePublishPayload:
    course: Course = strawberry.field(description="The course as stored.")


@strawberry.type(description="The archived course.")
class CourseArchivePayload:
    course: Course = strawberry.field(description="The course as stored.")


CourseCreateResult = Annotated[
    CourseCreatePayload | ValidationError, strawberry.union("CourseCreateResult")
]
CourseUpdateResult = Annotated[
    CourseUpdatePayload | ValidationError | NotFound, strawberry.union("CourseUpdateResult")
]
CoursePublishResult = Annotated[
    CoursePublishPayload | ValidationError | NotFound, strawberry.union("CoursePublishResult")
]
CourseArchiveResult = Annotated[
    CourseArchivePayload | ValidationError | NotFound, strawberry.union("CourseArchiveResult")
]


def _result(outcome: dict[str, Any] | Refusal, payload: Any) -> Any:
    if isinstance(outcome, Refusal):
        return mutation_error(outcome)
    return payload(course=Course.from_doc(outcome))


@strawberry.type(description="Catalogue management.")
class CourseMutations:
    @strawberry.mutation(
        description="Add a course as a draft (instructors and administrators).",
        extensions=course_creators(),
    )
    async def course_create(
        self, info: Info[Context, None], input: CourseCreateInput
    ) -> CourseCreateResult:
        outcome = await resolve.create_course(
            info.context, input.fields(), _ids(input.instructor_ids)
        )
        result: CourseCreateResult = _result(outcome, CourseCreatePayload)
        return result

    @strawberry.mutation(
        description="Change a course (its instructors and administrators).",
        extensions=course_managers(),
    )
    async def course_update(
        self, info: Info[Context, None], input: CourseUpdateInput
    ) -> CourseUpdateResult:
        outcome = await resolve.update_course(
            info.context, str(input.course_id), input.changes(), _ids(input.instructor_ids)
        )
        result: CourseUpdateResult = _result(outcome, CourseUpdatePayload)
        return result

    @strawberry.mutation(
        description="Publish a course to the catalogue, or withdraw it to a draft "
        "(its instructors and administrators).",
        extensions=course_managers(),
    )
    async def course_publish(
        self, info: Info[Context, None], input: CoursePublishInput
    ) -> CoursePublishResult:
        outcome = await resolve.publish_course(info.context, str(input.course_id), input.published)
        result: CoursePublishResult = _result(outcome, CoursePublishPayload)
        return result

    @strawberry.mutation(
        description="Archive a course: gone from the catalogue, its sessions, enrolments and "
        "reviews kept (its instructors and administrators).",
        extensions=course_managers(),
    )
    async def course_archive(
        self, info: Info[Context, None], input: CourseArchiveInput
    ) -> CourseArchiveResult:
        outcome = await resolve.archive_course(info.context, str(input.course_id))
        result: CourseArchiveResult = _result(outcome, CourseArchivePayload)
        return result
