"""Course: an entry of the catalogue, with its sessions and reviews."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any, Self

import strawberry
from strawberry.types import Info

from cache.tags import record_entity
from resolvers import course as resolve
from resolvers.context import Context
from resolvers.global_ids import to_global_id
from schema.batched import batched_field, built_once, resolve_batched
from schema.connection import After, Before, Connection, Count, FirstTen, Last, connection
from schema.enums import CourseLevel, CourseTrack
from schema.node import Node
from schema.review import Review
from schema.session import Session
from schema.user import User

# The batch functions of Course's batched fields (see schema.batched).


async def _instructors(ctx: Context, courses: Sequence[Course]) -> list[list[User]]:
    lists = await resolve.instructors(ctx, [course.doc for course in courses])
    return [
        [user for user in built_once(ctx, User.from_doc, docs) if user is not None]
        for docs in lists
    ]


async def _sessions(
    ctx: Context,
    courses: Sequence[Course],
    *,
    first: int | None,
    after: str | None,
    upcoming: bool,
    last: int | None,
    before: str | None,
) -> list[Connection[Session]]:
    docs = [course.doc for course in courses]
    pages = await resolve.sessions(
        ctx, docs, first=first, after=after, last=last, before=before, upcoming=upcoming
    )

    def count_of(doc: dict[str, Any]) -> Count:
        async def count() -> int:
            return await resolve.session_count(ctx, doc, upcoming=upcoming)

        return count

    return [
        connection(page, Session.from_doc, count_of(doc))
        for doc, page in zip(docs, pages, strict=True)
    ]


async def _reviews(
    ctx: Context,
    courses: Sequence[Course],
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> list[Connection[Review]]:
    docs = [course.doc for course in courses]
    pages = await resolve.reviews(ctx, docs, first=first, after=after, last=last, before=before)

    def count_of(doc: dict[str, Any]) -> Count:
        async def count() -> int:
            return await resolve.review_count(ctx, doc)

        return count

    return [
        connection(page, Review.from_doc, count_of(doc))
        for doc, page in zip(docs, pages, strict=True)
    ]


@strawberry.type(description="A course in the catalogue.")
class Course(Node):
    doc: strawberry.Private[dict[str, Any]]
    slug: str = strawberry.field(description="Unique, URL-friendly name.")
    title: str = strawberry.field(description="The course's title.")
    summary: str = strawberry.field(description="One or two sentences for listings.")
    description: str = strawberry.field(description="The full description.")
    track: CourseTrack = strawberry.field(description="Subject area.")
    level: CourseLevel = strawberry.field(description="Expected experience.")
    tags: list[str] = strawberry.field(description="Keywords.")
    price_cents: int = strawberry.field(
        description="Price in South African rand cents (ZAR); 150000 is R1,500.00."
    )
    duration_hours: int = strawberry.field(description="Teaching hours in a session.")
    review_count: int = strawberry.field(description="How many reviews it has.")
    rating_average: float | None = strawberry.field(
        description="Mean review rating from 1 to 5; null before the first review."
    )
    created_at: datetime = strawberry.field(description="When it was added (UTC).")
    published: bool = strawberry.field(
        description="In the public catalogue. Drafts and archived courses are seen only by "
        "their instructors and administrators."
    )
    archived_at: datetime | None = strawberry.field(
        description="When it was archived (taken out of the catalogue for good, history kept)."
    )

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Self:
        count = int(doc.get("ratingCount", 0))
        record_entity("Course", doc["_id"])  # the response cache purges by it
        return cls(
            doc=doc,
            id=strawberry.ID(to_global_id("Course", doc["_id"])),
            slug=doc["slug"],
            title=doc["title"],
            summary=doc.get("summary", ""),
            description=doc.get("description", ""),
            track=CourseTrack(doc["track"]),
            level=CourseLevel(doc["level"]),
            tags=list(doc.get("tags", [])),
            price_cents=int(doc["priceCents"]),
            duration_hours=int(doc.get("durationHours", 0)),
            review_count=count,
            rating_average=round(doc["ratingSum"] / count, 2) if count else None,
            created_at=doc["createdAt"],
            published=bool(doc.get("published", False)),
            archived_at=doc.get("archivedAt"),
        )

    @batched_field(_instructors, description="Who teaches it.")
    async def instructors(self, info: Info[Context, None]) -> list[User]:
        return await resolve_batched(info, _instructors, self)

    @batched_field(_sessions, description="Its sessions, earliest first.")
    async def sessions(
        self,
        info: Info[Context, None],
        first: FirstTen = None,
        after: After = None,
        upcoming: Annotated[
            bool, strawberry.argument(description="Only sessions that have not started yet.")
        ] = False,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Session]:
        return await resolve_batched(
            info,
            _sessions,
            self,
            first=first,
            after=after,
            upcoming=upcoming,
            last=last,
            before=before,
        )

    @batched_field(_reviews, description="Its reviews, newest first.")
    async def reviews(
        self,
        info: Info[Context, None],
        first: FirstTen = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Review]:
        return await resolve_batched(
            info, _reviews, self, first=first, after=after, last=last, before=before
        )
