"""A ceiling on how many objects one operation may ask for.

Depth, token and alias limits do not stop `courses(first: 100) { sessions(first:
100) { … } }` repeated under thirty aliases. Before execution, each field with a
selection set is weighed by how many objects it can return — its `first` (or
its default page size; 1 for a plain object field) times its parents' count —
and the sum must stay under the limit. Plain lists without `first` (a course's
instructors, the campuses) are short by nature and count once per parent.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    SelectionSetNode,
    VariableNode,
    get_operation_ast,
)
from strawberry.extensions import SchemaExtension

from resolvers.context import Context

# A page size given through a variable the client left out: the largest default.
DEFAULT_PAGE_SIZE = 20


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
                default = argument.default_value
                size = default if isinstance(default, int) else DEFAULT_PAGE_SIZE
                defaults[name] = max(defaults.get(name, 0), size)
    return defaults


def _first(field: FieldNode, variables: Mapping[str, Any], defaults: Mapping[str, int]) -> int:
    """How many objects the field can return per parent (1 for a plain object field)."""
    for argument in field.arguments or ():
        if argument.name.value not in {"first", "ids"}:
            continue
        value = argument.value
        if isinstance(value, IntValueNode):
            return int(value.value)
        if isinstance(value, VariableNode):
            given = variables.get(value.name.value)
            if isinstance(given, int):
                return given
            if isinstance(given, list):
                return len(given)
        return DEFAULT_PAGE_SIZE
    return defaults.get(field.name.value, 1)


class _Weigher:
    def __init__(
        self,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
        defaults: Mapping[str, int],
    ) -> None:
        self.fragments = fragments
        self.variables = variables
        self.defaults = defaults

    def weigh(self, selections: SelectionSetNode | None, count: int, seen: frozenset[str]) -> int:
        total = 0
        for selection in selections.selections if selections else ():
            if isinstance(selection, FieldNode):
                if selection.selection_set is None or selection.name.value.startswith("__"):
                    continue  # scalars cost nothing; introspection is bounded
                many = count * _first(selection, self.variables, self.defaults)
                total += many + self.weigh(selection.selection_set, many, seen)
            elif isinstance(selection, InlineFragmentNode):
                total += self.weigh(selection.selection_set, count, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is not None and name not in seen:
                    total += self.weigh(fragment.selection_set, count, seen | {name})
        return total


def operation_cost(
    document: Any,
    operation_name: str | None,
    variables: Mapping[str, Any],
    defaults: Mapping[str, int],
) -> int:
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return 0
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    return _Weigher(fragments, variables, defaults).weigh(operation.selection_set, 1, frozenset())


class QueryCostLimit(SchemaExtension):
    def __init__(self, *, max_cost: int) -> None:
        super().__init__()
        self.max_cost = max_cost

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is not None and context.result is None:
            cost = operation_cost(
                context.graphql_document,
                context.operation_name,
                context.variables or {},
                page_defaults(context.schema._schema),
            )
            # What rate limits charge and logs report: whichever way the cost is
            # computed, it is left on the request's context.
            if isinstance(context.context, Context):
                context.context.operation_cost = cost
            if cost > self.max_cost:
                error = GraphQLError(
                    f"This operation could return about {cost} objects; the limit is "
                    f"{self.max_cost}. Ask for smaller pages or fewer aliases.",
                    extensions={"code": "QUERY_TOO_COMPLEX", "cost": cost},
                )
                context.result = ExecutionResult(data=None, errors=[error])
        yield
