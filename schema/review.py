"""Review: a student's rating of a course."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Self

import strawberry
from strawberry.types import Info

from cache.tags import record_entity
from resolvers import review as resolve
from resolvers.context import Context
from resolvers.global_ids import to_global_id
from schema.node import Node
from schema.user import User

if TYPE_CHECKING:
    from schema.course import Course


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

    @strawberry.field(description="Who wrote it.")
    async def author(self, info: Info[Context, None]) -> User | None:
        doc = await resolve.author(info.context, self.doc)
        return None if doc is None else User.from_doc(doc)

    @strawberry.field(description="The course reviewed.")
    async def course(
        self, info: Info[Context, None]
    ) -> Annotated[Course, strawberry.lazy("schema.course")] | None:
        from schema.course import Course

        doc = await resolve.course(info.context, self.doc)
        return None if doc is None else Course.from_doc(doc)
