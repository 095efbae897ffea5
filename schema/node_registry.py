"""Every Relay node type, in one place.

Each entry names a GraphQL type and where its documents come from (`NodeSource`:
the request's loader and the visibility check). `node`, `nodes`, global ID
parsing for them and the schema's list of types all read this registry, so a
new node type is one entry here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from resolvers.node import Found, NodeSource
from resolvers.visibility import child_visible, course_readable
from schema.campus import Campus
from schema.course import Course
from schema.node import Node
from schema.review import Review
from schema.session import Session
from schema.user import User

__all__ = ["NODE_TYPES", "SOURCES", "as_node", "node_types"]


@dataclass(frozen=True, slots=True)
class NodeType:
    graphql_type: Any  # a Strawberry type implementing Node, with `from_doc(doc)`
    source: NodeSource


def _entry(graphql_type: Any, source: NodeSource) -> tuple[str, NodeType]:
    name: str = graphql_type.__strawberry_definition__.name
    return name, NodeType(graphql_type=graphql_type, source=source)


NODE_TYPES: Final[Mapping[str, NodeType]] = dict(
    [
        _entry(Campus, NodeSource(lambda loaders: loaders.campus_by_id)),
        _entry(Course, NodeSource(lambda loaders: loaders.course_by_id, course_readable)),
        _entry(Session, NodeSource(lambda loaders: loaders.session_by_id, child_visible)),
        _entry(User, NodeSource(lambda loaders: loaders.user_by_id)),
        _entry(Review, NodeSource(lambda loaders: loaders.review_by_id, child_visible)),
    ]
)

SOURCES: Final[Mapping[str, NodeSource]] = {
    name: entry.source for name, entry in NODE_TYPES.items()
}


def node_types() -> list[Any]:
    """The node types, for the schema's `types=`."""
    return [entry.graphql_type for entry in NODE_TYPES.values()]


def as_node(found: Found | None) -> Node | None:
    if found is None:
        return None
    type_name, doc = found
    node: Node = NODE_TYPES[type_name].graphql_type.from_doc(doc)
    return node
