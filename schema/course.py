"""Course: an entry of the catalogue, with its sessions and reviews."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Self

import strawberry
from strawberry.types import Info

from cache.tags import record_entity
from resolvers import course as resolve
from resolvers.context import Context
from resolvers.global_ids import to_global_id
from schema.connection import After, Before, Connection, FirstTen, Last, connection
from schema.enums import CourseLevel, CourseTrack
from schema.node import Node
from schema.review import Review
from schema.session import Session
from schema.user import User


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

    @strawberry.field(description="Who teaches it.")
    async def instructors(self, info: Info[Context, None]) -> list[User]:
        docs = await resolve.instructors(info.context, self.doc)
        return [User.from_doc(doc) for doc in docs]

    @strawberry.field(description="Its sessions, earliest first.")
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
        ctx, doc = info.context, self.doc
        page = await resolve.sessions(
            ctx, doc, first=first, after=after, last=last, before=before, upcoming=upcoming
        )

        async def count() -> int:
            return await resolve.session_count(ctx, doc, upcoming=upcoming)

        return connection(page, Session.from_doc, count)

    @strawberry.field(description="Its reviews, newest first.")
    async def reviews(
        self,
        info: Info[Context, None],
        first: FirstTen = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Review]:
        ctx, doc = info.context, self.doc
        page = await resolve.reviews(ctx, doc, first=first, after=after, last=last, before=before)

        async def count() -> int:
            return await resolve.review_count(ctx, doc)

        return connection(page, Review.from_doc, count)
