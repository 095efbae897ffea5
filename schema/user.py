"""User: the public profile of a student, instructor or administrator."""

from __future__ import annotations

from typing import Any, Self

import strawberry

from resolvers.global_ids import to_global_id
from schema.enums import Role
from schema.node import Node


@strawberry.type(description="A person using Leeto. Only the public profile is shown here.")
class User(Node):
    doc: strawberry.Private[dict[str, Any]]
    display_name: str = strawberry.field(description="The name shown to others.")
    bio: str = strawberry.field(description="A short self-description.")
    city: str = strawberry.field(description="The city the user lives in.")
    roles: list[Role] = strawberry.field(description="What the user may do.")

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Self:
        return cls(
            doc=doc,
            id=strawberry.ID(to_global_id("User", doc["_id"])),
            display_name=doc["displayName"],
            bio=doc.get("bio", ""),
            city=doc.get("city", ""),
            roles=[Role(r) for r in doc.get("roles", [])],
        )
