"""Every limit on the shape of a document, checked in one linear pass before validation.

graphql-core's validation is the slow part of a hostile request: comparing
hundreds of same-named fields (OverlappingFieldsCanBeMerged) takes seconds, and
limiters that follow every fragment spread take time exponential in the number
of fragment levels (`F2 { ...F1 ...F1 }`, `F3 { ...F2 ...F2 }`, …). So before
validation runs, one walk measures the document: each fragment is measured once
and its figures reused wherever it is spread. A document over any limit is
refused there and never validated nor executed.

What is measured (fields are counted as if every fragment were written out):
- fields: all field nodes of the document;
- widest selection: field nodes merged into one selection set (its own, and
  those of the fragments and inline fragments spread into it);
- comparisons: pairs of same-named fields graphql-core's validation will
  compare (OverlappingFieldsCanBeMerged), bounded from the fields' sizes;
- depth: nesting of fields below the operation (introspection fields excluded),
  as graphql-depth-limit and Strawberry's QueryDepthLimiter count it;
- aliases: aliased fields, as Strawberry's MaxAliasesLimiter counts them;
- spread levels: fragments spread inside fragments, at the deepest;
- cost: see schema/cost.py, for the operation that will run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_operation_ast,
)
from strawberry.extensions import SchemaExtension

from resolvers.context import Context
from schema.cost import page_defaults, weigher_for
from schema.fragments import dependency_order, spreads

# Fragments can multiply figures past what JSON clients read as a number.
MAX_REPORTED_COST = 2**53


@dataclass(frozen=True, slots=True)
class DocumentLimits:
    max_depth: int = 12
    max_aliases: int = 30
    max_fields: int = 2000
    max_selection_fields: int = 64
    max_field_comparisons: int = 2000
    max_definitions: int = 200
    max_cost: int = 25_000
    # Fragments spread inside fragments: client code rarely nests ten.
    max_spread_levels: int = 32


@dataclass(frozen=True, slots=True)
class Shape:
    """Figures of one selection set, with its fragments written out."""

    fields: int = 0
    aliases: int = 0
    depth: int = 0
    # Field nodes merged into this set itself, and the widest set nested below it.
    own: int = 0
    widest_below: int = 0
    # Fragments spread inside fragments spread inside …, at the deepest.
    spread_levels: int = 0
    # Fields merged into this set, by response name: how many, the sum of their
    # sizes (1 + fields below) and of the squares of their sizes.
    own_names: Mapping[str, tuple[int, int, int]] = field(default_factory=dict)
    # Comparisons validation makes in the sets nested below (see `comparisons`).
    comparisons_below: int = 0

    @property
    def widest(self) -> int:
        return max(self.own, self.widest_below)

    @property
    def comparisons(self) -> int:
        """At most how many field pairs graphql-core compares for this set and below.

        OverlappingFieldsCanBeMerged compares every pair of fields that share a
        response name, then their selections pair by pair: two fields of sizes
        a and b (counting themselves) cost at most a * b comparisons.
        """
        own = sum((total * total - squares) // 2 for _, total, squares in self.own_names.values())
        return own + self.comparisons_below


class FragmentCycle(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class TooLarge(Exception):
    """Measuring stopped early: the document is over a field limit whatever the rest holds."""

    def __init__(self, fields: int, widest: int) -> None:
        super().__init__(fields, widest)
        self.fields = fields
        self.widest = widest


class DocumentMeasure:
    """Measures selection sets; each fragment's shape is computed once and reused.

    Fragments are measured first, in dependency order (see schema/fragments.py),
    so a spread only looks its fragment's shape up.
    """

    def __init__(
        self,
        fragments: Mapping[str, FragmentDefinitionNode],
        limits: DocumentLimits | None = None,
    ) -> None:
        self.shapes: dict[str, Shape] = {}
        self.selection_sets_walked = 0  # how much work was done, for tests
        # With limits, measuring stops (TooLarge) as soon as the document is
        # known to be over one, so merging the fields of fragments spread
        # thousands of times never runs long: a selection set over the width
        # limit, or operations whose expanded fields (counted as they are
        # measured, after the fragments) are over the field limit.
        self.max_running = limits.max_fields if limits else None
        self.max_own = limits.max_selection_fields if limits else None
        self.running: int | None = None  # counting starts with the operations
        order, cycle = dependency_order(fragments)
        if cycle is not None:
            raise FragmentCycle(cycle)
        for name in order:
            self.shapes[name] = self.measure(fragments[name].selection_set)

    def _count(self, fields: int, own: int, in_set: int) -> None:
        if self.max_own is not None and own > self.max_own:
            raise TooLarge(fields=0, widest=own)
        # One selection set (a fragment's, say) over the limit is enough: the
        # document counts its fields at least once, spread or not.
        if self.max_running is not None and in_set > self.max_running:
            raise TooLarge(fields=in_set, widest=0)
        if self.running is not None:
            self.running += fields
            if self.max_running is not None and self.running > self.max_running:
                raise TooLarge(fields=self.running, widest=0)

    def operation(self, operation: OperationDefinitionNode) -> Shape:
        """An operation's shape; its fields count towards the running total."""
        if self.running is None:
            self.running = 0
        return self.measure(operation.selection_set)

    def fragment(self, name: str) -> Shape:
        # Unknown fragments measure nothing: validation names them.
        return self.shapes.get(name, Shape())

    def measure(self, selection_set: SelectionSetNode) -> Shape:
        self.selection_sets_walked += 1
        fields = aliases = depth = own = widest_below = spread_levels = comparisons_below = 0
        own_names: dict[str, tuple[int, int, int]] = {}

        def add(name: str, count: int, total: int, squares: int) -> None:
            had = own_names.get(name, (0, 0, 0))
            own_names[name] = (had[0] + count, had[1] + total, had[2] + squares)

        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                fields += 1
                own += 1
                self._count(1, own, fields)
                aliases += selection.alias is not None
                key = (selection.alias or selection.name).value
                if selection.selection_set is None:
                    add(key, 1, 1, 1)
                    continue
                child = self.measure(selection.selection_set)
                size = 1 + child.fields
                add(key, 1, size, size * size)
                fields += child.fields
                aliases += child.aliases
                widest_below = max(widest_below, child.widest)
                spread_levels = max(spread_levels, child.spread_levels)
                comparisons_below += child.comparisons
                if not selection.name.value.startswith("__"):
                    depth = max(depth, 1 + child.depth)
                continue
            if isinstance(selection, InlineFragmentNode):
                merged = self.measure(selection.selection_set)
                spread_levels = max(spread_levels, merged.spread_levels)
                # Its nested sets are this definition's; a named fragment's
                # are validated once, with its definition.
                comparisons_below += merged.comparisons_below
            elif isinstance(selection, FragmentSpreadNode):
                merged = self.fragment(selection.name.value)
                spread_levels = max(spread_levels, 1 + merged.spread_levels)
            else:  # pragma: no cover - the three kinds of selection
                continue
            # A fragment's own fields merge into this selection set.
            fields += merged.fields
            aliases += merged.aliases
            depth = max(depth, merged.depth)
            own += merged.own
            self._count(merged.fields, own, fields)
            widest_below = max(widest_below, merged.widest_below)
            for name, (count, total, squares) in merged.own_names.items():
                add(name, count, total, squares)
        return Shape(
            fields, aliases, depth, own, widest_below, spread_levels, own_names, comparisons_below
        )


def _error(message: str, code: str, **extensions: Any) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code, **extensions})


def too_many_definitions(definitions: int, limits: DocumentLimits) -> GraphQLError | None:
    # Validation does work per operation and fragment (unused fragments,
    # unique names, …): 400 fragments took it over 40 ms.
    if definitions > limits.max_definitions:
        return _error(
            f"This document has {definitions} operations and fragments; the limit is "
            f"{limits.max_definitions}.",
            "GRAPHQL_VALIDATION_FAILED",
        )
    return None


def _reachable(names: set[str], fragments: Mapping[str, FragmentDefinitionNode]) -> set[str]:
    reached: set[str] = set()
    pending = list(names)
    while pending:
        name = pending.pop()
        if name in reached or name not in fragments:
            continue
        reached.add(name)
        pending.extend(spreads(fragments[name].selection_set))
    return reached


def refusal(fields: int, widest: int, limits: DocumentLimits) -> GraphQLError | None:
    """The error for too many field nodes in the document or in one selection set."""
    if fields > limits.max_fields:
        return _error(
            f"This document has over {limits.max_fields} fields once its fragments are "
            f"expanded; the limit is {limits.max_fields}.",
            "QUERY_TOO_COMPLEX",
        )
    if widest > limits.max_selection_fields:
        return _error(
            f"A selection set holds over {limits.max_selection_fields} fields; the limit is "
            f"{limits.max_selection_fields}. Ask for each field once.",
            "GRAPHQL_VALIDATION_FAILED",
        )
    return None


def _shape_errors(document: DocumentNode, limits: DocumentLimits) -> list[GraphQLError]:
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    too_many = too_many_definitions(len(document.definitions), limits)
    if too_many is not None:
        return [too_many]
    try:
        measure = DocumentMeasure(fragments, limits)
        shapes = [(op, measure.operation(op)) for op in operations]
    except FragmentCycle as cycle:
        return [
            _error(
                f"Cannot spread fragment '{cycle.name}' within itself.",
                "GRAPHQL_VALIDATION_FAILED",
            )
        ]
    except TooLarge as early:
        too_large = refusal(early.fields, early.widest, limits)
        assert too_large is not None
        return [too_large]
    # Fragments no operation spreads are still validated: they count too.
    used = set()
    for op in operations:
        used.update(spreads(op.selection_set))
    reached = _reachable(used, fragments)
    unused = [shape for name, shape in measure.shapes.items() if name not in reached]
    all_shapes = [shape for _, shape in shapes] + unused
    fields = sum(shape.fields for shape in all_shapes)
    widest = max((shape.widest for shape in all_shapes), default=0)
    too_big = refusal(fields, widest, limits)
    if too_big is not None:
        return [too_big]
    # Each definition's own sets, once: fragments' sets are validated with
    # their definitions, wherever they are spread.
    comparisons = sum(shape.comparisons for _, shape in shapes) + sum(
        shape.comparisons for shape in measure.shapes.values()
    )
    if comparisons > limits.max_field_comparisons:
        # graphql-core compares every pair of same-named fields, then their
        # selections pair by pair: 64 copies of a small page took 300 ms.
        return [
            _error(
                "This document repeats fields so often that checking they agree would "
                f"compare about {min(comparisons, MAX_REPORTED_COST)} pairs; the limit is "
                f"{limits.max_field_comparisons}. Ask for each field once.",
                "GRAPHQL_VALIDATION_FAILED",
            )
        ]
    spread_levels = max((shape.spread_levels for shape in all_shapes), default=0)
    if spread_levels > limits.max_spread_levels:
        # graphql-core's validation follows spreads by recursion, in time that
        # grows faster than the chain: 150 levels take tens of milliseconds.
        return [
            _error(
                f"Fragments are spread {spread_levels} levels deep; the limit is "
                f"{limits.max_spread_levels}.",
                "GRAPHQL_VALIDATION_FAILED",
            )
        ]
    errors = [
        _error(
            f"'{op.name.value if op.name else 'anonymous'}' exceeds maximum operation depth "
            f"of {limits.max_depth}",
            "GRAPHQL_VALIDATION_FAILED",
        )
        for op, shape in shapes
        if shape.depth > limits.max_depth
    ]
    aliases = sum(shape.aliases for _, shape in shapes)
    if aliases > limits.max_aliases:
        errors.append(
            _error(
                f"{aliases} aliases found. Allowed: {limits.max_aliases}",
                "GRAPHQL_VALIDATION_FAILED",
            )
        )
    return errors


def document_errors(
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any],
    defaults: Mapping[str, int],
    limits: DocumentLimits,
    record_cost: Callable[[int], None] | None = None,
) -> list[GraphQLError]:
    """Why the document may not run, or an empty list; linear in the document.

    `record_cost` receives the operation's cost once it is known (rate limits
    charge it, logs and metrics report it).
    """
    errors = _shape_errors(document, limits)
    if errors:
        return errors
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return []  # graphql-core names the missing operation
    cost = weigher_for(document, operation, variables, defaults).weigh(operation.selection_set)
    if record_cost is not None:
        record_cost(cost)
    if cost > limits.max_cost:
        shown = min(cost, MAX_REPORTED_COST)
        return [
            _error(
                f"This operation could return about {shown} objects; the limit is "
                f"{limits.max_cost}. Ask for smaller pages or fewer aliases.",
                "QUERY_TOO_COMPLEX",
                cost=shown,
            )
        ]
    return []


def _record_cost(request_context: Any, cost: int) -> None:
    if isinstance(request_context, Context):
        request_context.operation_cost = cost


class DocumentLimitsCheck(SchemaExtension):
    """Refuses documents over a limit before graphql-core validates them.

    Errors set here before validation make the validation step skip (see
    schema/validation.py) and the operation end with them.
    """

    def __init__(self, *, limits: DocumentLimits) -> None:
        super().__init__()
        self.limits = limits

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        costs: list[int] = []
        if context.graphql_document is not None and not context.pre_execution_errors:
            errors = document_errors(
                context.graphql_document,
                context.operation_name,
                context.variables or {},
                page_defaults(context.schema._schema),
                self.limits,
                record_cost=costs.append,
            )
            if errors:
                context.pre_execution_errors = errors
        yield
        # Only an operation that passed validation will run and be charged.
        if costs and not context.pre_execution_errors:
            _record_cost(context.context, costs[0])
