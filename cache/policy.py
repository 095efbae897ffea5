"""The cache policy of an operation, computed from its document and the schema alone.

Apollo's rules, applied field by field over the operation (fragments expanded,
`@skip`/`@include` ignored, so every field that could run counts):
- a field's max age is its own hint's, else its return type's hint's;
- without either, a root field and a field returning an object, interface or
  union get 0 (not cacheable), unless the hint says to inherit the parent's
  age (paging wrappers); other (scalar) fields do not constrain the response;
- the response's max age is the least over all fields; 0 means not cached;
- one PRIVATE field (a hint, or a permission-guarded field) makes it private;
- mutations, subscriptions and introspection (`__schema`, `__type`) are never cached.

Being static, the policy does not depend on which executor runs the operation
nor on which resolvers run. It also names the types whose lists or root lookups
the operation reads (`Course` for the catalogue): a write that adds, removes or
reorders such objects purges them, even from a page that came back empty.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    get_nullable_type,
    get_operation_ast,
    is_abstract_type,
    is_composite_type,
    is_list_type,
)
from strawberry.permission import PermissionExtension
from strawberry.schema.schema_converter import GraphQLCoreConverter

from cache.hints import CacheHint, CacheScope, field_hint, type_hint
from cache.tags import type_tag

_INTROSPECTION = frozenset({"__schema", "__type"})


@dataclass(frozen=True)
class CachePolicy:
    max_age: int
    scope: CacheScope
    tags: frozenset[str]

    @property
    def cacheable(self) -> bool:
        return self.max_age > 0


NOT_CACHEABLE = CachePolicy(max_age=0, scope=CacheScope.PUBLIC, tags=frozenset())


def _permission_guarded(field: GraphQLField) -> bool:
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    extensions = getattr(definition, "extensions", None) or ()
    return any(isinstance(extension, PermissionExtension) for extension in extensions)


class _Walker:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        default_max_age: int,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.default_max_age = default_max_age
        self.max_age: int | None = None  # None: nothing constrained it yet
        self.private = False
        self.tags: set[str] = set()

    def constrain(self, max_age: int) -> None:
        self.max_age = max_age if self.max_age is None else min(self.max_age, max_age)

    def age_of(self, hint: CacheHint) -> int:
        return self.default_max_age if hint.max_age is None else hint.max_age

    def tag_types(self, named: GraphQLNamedType) -> None:
        if is_abstract_type(named):
            for possible in self.schema.get_possible_types(named):
                self.tags.add(type_tag(possible.name))
        elif isinstance(named, GraphQLObjectType):
            self.tags.add(type_tag(named.name))

    def listed_type(self, field: GraphQLField) -> GraphQLNamedType | None:
        """The node type of a list or connection field, or None."""
        named = get_named_type(field.type)
        if not is_list_type(get_nullable_type(field.type)) and not named.name.endswith(
            "Connection"
        ):
            return None
        if isinstance(named, GraphQLObjectType) and named.name.endswith(("Connection", "Edge")):
            inner = named.fields.get("edges") or named.fields.get("node")
            return None if inner is None else self.listed_type_of_wrapper(inner)
        return named if is_composite_type(named) else None

    def listed_type_of_wrapper(self, field: GraphQLField) -> GraphQLNamedType | None:
        named = get_named_type(field.type)
        if isinstance(named, GraphQLObjectType) and named.name.endswith("Edge"):
            node = named.fields.get("node")
            return None if node is None else get_named_type(node.type)
        return named

    def walk(
        self, selections: SelectionSetNode | None, parent: GraphQLNamedType, parent_age: int | None
    ) -> None:
        root = parent is self.schema.query_type
        for selection in selections.selections if selections else ():
            if isinstance(selection, FieldNode):
                self.field(selection, parent, parent_age, root)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                named = self.schema.get_type(condition.name.value) if condition else parent
                self.walk(selection.selection_set, named or parent, parent_age)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None:
                    named = self.schema.get_type(fragment.type_condition.name.value)
                    self.walk(fragment.selection_set, named or parent, parent_age)

    def field(
        self, node: FieldNode, parent: GraphQLNamedType, parent_age: int | None, root: bool
    ) -> None:
        name = node.name.value
        if name in _INTROSPECTION:
            self.constrain(0)
            return
        fields = getattr(parent, "fields", None)
        field = fields.get(name) if fields else None
        if field is None:  # __typename, or a field validation refused
            return
        named = get_named_type(field.type)
        own = field_hint(parent.name, name)
        of_type = type_hint(named.name) if is_composite_type(named) else None
        hints = [hint for hint in (own, of_type) if hint is not None]
        if _permission_guarded(field) or any(h.scope is CacheScope.PRIVATE for h in hints):
            self.private = True
        age: int | None = parent_age
        with_age = [h for h in hints if not h.inherit_max_age]
        if with_age:
            age = self.age_of(with_age[0])
            self.constrain(age)
        elif any(h.inherit_max_age for h in hints):
            pass  # the parent's age applies
        elif root or is_composite_type(named):
            age = 0
            self.constrain(0)
        listed = self.listed_type(field)
        if listed is not None:
            self.tag_types(listed)
        if root:
            self.tag_types(named)
        if node.selection_set is not None:
            self.walk(node.selection_set, named, age)


def compute_policy(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None, default_max_age: int
) -> CachePolicy:
    operation = get_operation_ast(document, operation_name)
    if (
        operation is None
        or operation.operation is not OperationType.QUERY
        or schema.query_type is None
    ):
        return NOT_CACHEABLE
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    walker = _Walker(schema, fragments, default_max_age)
    walker.walk(operation.selection_set, schema.query_type, None)
    return CachePolicy(
        max_age=max(walker.max_age or 0, 0),
        scope=CacheScope.PRIVATE if walker.private else CacheScope.PUBLIC,
        tags=frozenset(walker.tags),
    )


class Policies:
    """Policies of recent documents, by text and operation name (least recently used go)."""

    def __init__(self, default_max_age: int, maxsize: int = 256) -> None:
        self.default_max_age = default_max_age
        self.maxsize = maxsize
        self._known: OrderedDict[tuple[str, str | None], CachePolicy] = OrderedDict()

    def policy(
        self,
        schema: GraphQLSchema,
        query: str,
        document: DocumentNode,
        operation_name: str | None,
    ) -> CachePolicy:
        key = (query, operation_name)
        known = self._known.get(key)
        if known is not None:
            self._known.move_to_end(key)
            return known
        policy = compute_policy(schema, document, operation_name, self.default_max_age)
        self._known[key] = policy
        while len(self._known) > self.maxsize:
            self._known.popitem(last=False)
        return policy


@dataclass(frozen=True)
class CacheOutcome:
    """What the response cache decided for one operation, for its HTTP response."""

    status: str  # HIT or MISS
    # Set only for a response without errors: `Cache-Control` and a weak ETag
    # over its data (the same data whatever extensions the body carries).
    cache_control: str | None = None
    etag: str | None = None


__all__ = [
    "NOT_CACHEABLE",
    "CacheOutcome",
    "CachePolicy",
    "Policies",
    "compute_policy",
]
