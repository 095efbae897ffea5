"""A ceiling on how many objects one operation may ask for.

Depth, token and alias limits do not stop `courses(first: 100) { sessions(first:
100) { … } }` repeated under thirty aliases. Before execution, each field with a
selection set is weighed by how many objects it can return — its `first` (or
its default page size; 1 for a plain object field) times its parents' count —
and the sum must stay under the limit. Plain lists without `first` (a course's
instructors, the campuses) are short by nature and count once per parent.

The weight of a selection set is linear in its parents' count, so each fragment
is weighed once, per parent object, and multiplied wherever it is spread: the
work is linear in the document however its fragments fan out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLArgument,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_operation_ast,
    value_from_ast_untyped,
)
from strawberry.schema.schema_converter import GraphQLCoreConverter

from resolvers.pagination import MAX_FIRST
from schema.connection import PAGE_SIZE_KEY
from schema.fragments import dependency_order

# A page size the document leaves open (a variable with neither a value nor a
# declared default, or a value that is not a whole number) is priced at the
# largest page anyone may ask for: the check must hold whatever the request says.
UNKNOWN_PAGE_SIZE = MAX_FIRST
# `first` without a default page size.
DEFAULT_PAGE_SIZE = 20
# `last` weighs like `first`; a connection takes one or the other.
_SIZED_ARGUMENTS = frozenset({"first", "last", "ids"})


@lru_cache(maxsize=8)
def page_defaults(schema: GraphQLSchema) -> dict[str, int]:
    """Fields that take `first`, by name, with their default page size.

    Cached per schema: the extension is built anew for every request.
    """
    defaults: dict[str, int] = {}
    for graphql_type in schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType):
            continue
        for name, field in graphql_type.fields.items():
            argument = field.args.get("first")
            if argument is not None:
                size = _default_page_size(argument)
                defaults[name] = max(defaults.get(name, 0), size)
    return defaults


def _default_page_size(argument: GraphQLArgument) -> int:
    """The schema's default for `first`, or the size the connection declares it uses
    when neither `first` nor `last` is given (schema.connection.First)."""
    default = argument.default_value
    if isinstance(default, int):
        return default
    definition = (argument.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    declared = getattr(definition, "metadata", {}).get(PAGE_SIZE_KEY)
    return declared if isinstance(declared, int) else DEFAULT_PAGE_SIZE


def page_size(value: Any) -> int | None:
    """A page size as the server will read it, or None when it cannot be known.

    GraphQL accepts 100.0 for an Int, so integral floats count as what they hold.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return len(value)
    return None


def operation_variables(
    operation: OperationDefinitionNode, given: Mapping[str, Any]
) -> dict[str, Any]:
    """The request's variables over the operation's declared defaults."""
    values: dict[str, Any] = {}
    for definition in operation.variable_definitions or ():
        if definition.default_value is not None:
            values[definition.variable.name.value] = value_from_ast_untyped(
                definition.default_value
            )
    values.update(given)
    return values


class _Weigher:
    """Objects per parent of each selection set; each fragment weighed once."""

    def __init__(
        self,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
        defaults: Mapping[str, int],
    ) -> None:
        self.variables = dict(variables)
        self.defaults = defaults
        self.weights: dict[str, int] = {}
        self.fragments_weighed = 0  # how much work was done, for tests
        # Each fragment after those it spreads; fragments on a cycle weigh
        # nothing (the document checks refuse cycles before any cost is asked).
        order, _cycle = dependency_order(fragments)
        for name in order:
            self.weights[name] = self.weigh(fragments[name].selection_set)
            self.fragments_weighed += 1

    def per_parent(self, field: FieldNode) -> int:
        """How many objects the field can return per parent (1 for a plain object field)."""
        sizes = [
            page_size(value_from_ast_untyped(argument.value, self.variables))
            for argument in field.arguments or ()
            if argument.name.value in _SIZED_ARGUMENTS
        ]
        if not sizes:
            return self.defaults.get(field.name.value, 1)
        # Below 1 the resolver refuses the field; it must not offset others. With both
        # `first` and `last` (refused too), the larger counts.
        return max(UNKNOWN_PAGE_SIZE if size is None else max(size, 0) for size in sizes)

    def fragment(self, name: str) -> int:
        return self.weights.get(name, 0)  # unknown: validation names it

    def weigh(self, selections: SelectionSetNode | None) -> int:
        total = 0
        for selection in selections.selections if selections else ():
            if isinstance(selection, FieldNode):
                if selection.selection_set is None or selection.name.value.startswith("__"):
                    continue  # scalars cost nothing; introspection is bounded
                many = self.per_parent(selection)
                total += many + many * self.weigh(selection.selection_set)
            elif isinstance(selection, InlineFragmentNode):
                total += self.weigh(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection.name.value)
        return total


def operation_cost(
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any],
    defaults: Mapping[str, int],
) -> int:
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return 0
    return weigher_for(document, operation, variables, defaults).weigh(operation.selection_set)


def weigher_for(
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Mapping[str, Any],
    defaults: Mapping[str, int],
) -> _Weigher:
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    return _Weigher(fragments, operation_variables(operation, variables), defaults)


__all__ = ["operation_cost", "page_defaults", "page_size", "weigher_for"]
