"""Campus: a physical venue where in-person sessions run."""

from __future__ import annotations

from typing import Any, Self

import strawberry

from cache.tags import record_entity
from resolvers.global_ids import to_global_id
from schema.node import Node


@strawberry.type(description="A campus in a South African city.")
class Campus(Node):
    name: str = strawberry.field(description="The campus's name.")
    city: str = strawberry.field(description="The city it is in.")
    province: str = strawberry.field(description="The province it is in.")
    address: str = strawberry.field(description="Street address.")

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Self:
        record_entity("Campus", doc["_id"])  # the response cache purges by it
        return cls(
            id=strawberry.ID(to_global_id("Campus", doc["_id"])),
            name=doc["name"],
            city=doc["city"],
            province=doc["province"],
            address=doc["address"],
        )
