"""Every Relay node type, in one place.

Each entry names a GraphQL type and where its documents come from (`NodeSource`:
the request's loader and the visibility check). `node`, `nodes`, global ID
parsing for them and the schema's list of types all read this registry, so a
new node type is one entry here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, Final

from resolvers.context import Context
from resolvers.enrollment import may_see_enrollment
from resolvers.node import Found, NodeSource
from resolvers.visibility import child_visible, course_readable
from schema.campus import Campus
from schema.course import Course
from schema.enrollment import Enrollment, enrollment_node
from schema.node import Node
from schema.review import Review
from schema.session import Session
from schema.user import User

__all__ = ["NODE_TYPES", "SOURCES", "as_node", "node_types"]


async def _from_doc(graphql_type: Any, ctx: Context, doc: dict[str, Any]) -> Node | None:
    node: Node = graphql_type.from_doc(doc)
    return node


@dataclass(frozen=True, slots=True)
class NodeType:
    graphql_type: Any  # a Strawberry type implementing Node
    source: NodeSource
    # How a stored document becomes the node; most types need only the document,
    # some (an enrolment's status) read more through the request's loaders.
    build: Callable[[Context, dict[str, Any]], Awaitable[Node | None]]


def _entry(
    graphql_type: Any,
    source: NodeSource,
    build: Callable[[Context, dict[str, Any]], Awaitable[Node | None]] | None = None,
) -> tuple[str, NodeType]:
    name: str = graphql_type.__strawberry_definition__.name
    return name, NodeType(
        graphql_type=graphql_type, source=source, build=build or partial(_from_doc, graphql_type)
    )


NODE_TYPES: Final[Mapping[str, NodeType]] = dict(
    [
        _entry(Campus, NodeSource(lambda loaders: loaders.campus_by_id)),
        _entry(Course, NodeSource(lambda loaders: loaders.course_by_id, course_readable)),
        _entry(Session, NodeSource(lambda loaders: loaders.session_by_id, child_visible)),
        _entry(User, NodeSource(lambda loaders: loaders.user_by_id)),
        _entry(Review, NodeSource(lambda loaders: loaders.review_by_id, child_visible)),
        _entry(
            Enrollment,
            NodeSource(lambda loaders: loaders.enrollment_by_id, may_see_enrollment),
            enrollment_node,
        ),
    ]
)

SOURCES: Final[Mapping[str, NodeSource]] = {
    name: entry.source for name, entry in NODE_TYPES.items()
}


def node_types() -> list[Any]:
    """The node types, for the schema's `types=`."""
    return [entry.graphql_type for entry in NODE_TYPES.values()]


async def as_node(ctx: Context, found: Found | None) -> Node | None:
    if found is None:
        return None
    type_name, doc = found
    return await NODE_TYPES[type_name].build(ctx, doc)
