"""Review: a student's rating of a course."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Self

import strawberry
from strawberry.types import Info

from cache.tags import record_entity
from resolvers import review as resolve
from resolvers.context import Context
from resolvers.global_ids import to_global_id
from schema.batched import batched_field, built_once, resolve_batched
from schema.node import Node
from schema.user import User

if TYPE_CHECKING:
    from schema.course import Course


# The batch functions of Review's batched fields (see schema.batched).


async def _authors(ctx: Context, reviews: Sequence[Review]) -> list[User | None]:
    docs = await resolve.authors(ctx, [review.doc for review in reviews])
    return built_once(ctx, User.from_doc, docs)


async def _courses(ctx: Context, reviews: Sequence[Review]) -> list[Course | None]:
    from schema.course import Course

    docs = await resolve.courses(ctx, [review.doc for review in reviews])
    return built_once(ctx, Course.from_doc, docs)


@strawberry.type(description="A rating from 1 to 5 with a comment; one per author per course.")
class Review(Node):
    doc: strawberry.Private[dict[str, Any]]
    rating: int = strawberry.field(description="From 1 (poor) to 5 (excellent).")
    comment: str = strawberry.field(description="What the author wrote.")
    created_at: datetime = strawberry.field(description="When it was written (UTC).")
    updated_at: datetime = strawberry.field(
        description="When it was last changed (UTC); its creation time until then."
    )

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Self:
        record_entity("Review", doc["_id"])  # the response cache purges by it
        return cls(
            doc=doc,
            id=strawberry.ID(to_global_id("Review", doc["_id"])),
            rating=int(doc["rating"]),
            comment=doc.get("comment", ""),
            created_at=doc["createdAt"],
            updated_at=doc.get("updatedAt", doc["createdAt"]),
        )

    @batched_field(_authors, description="Who wrote it.")
    async def author(self, info: Info[Context, None]) -> User | None:
        return await resolve_batched(info, _authors, self)

    @batched_field(_courses, description="The course reviewed.")
    async def course(
        self, info: Info[Context, None]
    ) -> Annotated[Course, strawberry.lazy("schema.course")] | None:
        return await resolve_batched(info, _courses, self)
