"""Execution plans: an operation compiled once, then run for every request that sends it.

A plan holds, per object type reached, the fields to resolve in response order
(fragments and inline fragments flattened for that concrete type, fields of the
same response name merged, @skip/@include decided), how each field gets its
value (read an attribute, or call its resolver) and how its value is completed
(the shape of its type). graphql-core's own field collection does the
flattening, so the merging rules are the spec's as graphql-core implements them.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum, auto
from typing import Any

from graphql import (
    BooleanValueNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLField,
    GraphQLFloat,
    GraphQLID,
    GraphQLInt,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLString,
    ListValueNode,
    Node,
    ObjectValueNode,
    OperationDefinitionNode,
    ValueNode,
    VariableNode,
    is_abstract_type,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
)
from graphql.execution.collect_fields import (
    FieldDetailsList,
    FragmentDetails,
    collect_fields,
    collect_subfields,
)
from graphql.execution.values import VariableValues, get_argument_values
from graphql.language import Visitor, visit
from strawberry.types.arguments import convert_arguments

# Where Strawberry keeps, on a graphql-core field or type, the Strawberry one it came from.
STRAWBERRY_FIELD = "strawberry-definition"
STRAWBERRY_DEFINITION = "strawberry-definition"
# The module of the type checks Strawberry gives object types with interfaces.
STRAWBERRY_CONVERTER = "strawberry.schema.schema_converter"
# Where a batched field keeps its batch function, in its Strawberry field's
# metadata (see schema.batched): called once per wave with every parent reached.
BATCH_KEY = "leeto.batch"
# Operations that stay on graphql-core's executor: introspection is rare and
# served by graphql-core's own resolvers.
_META_ROOTS = frozenset({"__schema", "__type"})


class Kind(Enum):
    LEAF = auto()
    LIST = auto()
    OBJECT = auto()
    ABSTRACT = auto()


@dataclass(slots=True)
class Shape:
    """How a value of one output type is completed."""

    non_null: bool
    kind: Kind
    graphql_type: Any  # the named or list type, without its non-null wrapper
    item: Shape | None = None  # lists: the items' shape
    serialize: Callable[[Any], Any] | None = None  # leaves: the output coercion
    # Leaves whose values pass unchanged when they are of this Python type.
    plain: type | None = None
    # Int leaves: Python ints in the 32-bit range pass unchanged too.
    small_int: bool = False
    # Enum leaves of Strawberry enums: the output name of each member, by the
    # member's id (members live as long as their class; their hash is Python code).
    names: dict[int, str] | None = None
    # Objects: the class whose own instances Strawberry's type check accepts
    # (unless cast with strawberry.cast), so the check need not run for them.
    trusted: type | None = None


def shape_of(output_type: GraphQLOutputType) -> Shape:
    non_null = is_non_null_type(output_type)
    named: Any = output_type.of_type if isinstance(output_type, GraphQLNonNull) else output_type
    if is_list_type(named):
        assert isinstance(named, GraphQLList)
        return Shape(non_null, Kind.LIST, named, item=shape_of(named.of_type))
    if is_leaf_type(named):
        leaf: GraphQLLeafType = named
        return Shape(
            non_null,
            Kind.LEAF,
            leaf,
            serialize=leaf.coerce_output_value,
            plain=_plain_type(leaf),
            small_int=leaf is GraphQLInt,
            names=_enum_names(leaf),
        )
    if is_abstract_type(named):
        return Shape(non_null, Kind.ABSTRACT, named)
    assert is_object_type(named)
    return Shape(non_null, Kind.OBJECT, named, trusted=_trusted_class(named))


def _trusted_class(object_type: GraphQLObjectType) -> type | None:
    definition = (object_type.extensions or {}).get(STRAWBERRY_DEFINITION)
    is_type_of = object_type.is_type_of
    if (
        definition is None
        or is_type_of is None
        or getattr(is_type_of, "__module__", "") != STRAWBERRY_CONVERTER
        or getattr(definition, "concrete_of", None) is not None
    ):
        return None
    origin = getattr(definition, "origin", None)
    # Casts are marked in the instance's __dict__: classes with slots are left out.
    if not isinstance(origin, type) or "__slots__" in vars(origin):
        return None
    return origin


def _plain_type(leaf: GraphQLLeafType) -> type | None:
    """The Python type a built-in scalar's coercion returns unchanged.

    Int is left out: its coercion also checks the 32-bit range.
    """
    if leaf is GraphQLString or leaf is GraphQLID:
        return str
    if leaf is GraphQLBoolean:
        return bool
    if leaf is GraphQLFloat:
        return float
    if leaf is GraphQLInt:
        return None
    return None


def _enum_names(leaf: GraphQLLeafType) -> dict[int, str] | None:
    """What Strawberry's enum coercion gives each member of the Python enum it wraps."""
    wrapped = getattr(leaf, "wrapped_cls", None)
    if not isinstance(leaf, GraphQLEnumType) or not (
        isinstance(wrapped, type) and issubclass(wrapped, Enum)
    ):
        return None
    names: dict[int, str] = {}
    for member in wrapped:
        name = leaf.coerce_output_value(member)
        if isinstance(name, str):
            names[id(member)] = name
    return names


class Source(Enum):
    TYPENAME = auto()  # __typename: the parent type's name
    ATTRIBUTE = auto()  # a field without resolver, extensions or handlers: read it
    RESOLVER = auto()  # call Strawberry's wrapped resolver (permissions, arguments, errors)


@dataclass(slots=True, eq=False)
class FieldPlan:
    response_name: str
    field_name: str
    parent_type: GraphQLObjectType
    definition: GraphQLField | None
    details: FieldDetailsList
    nodes: list[FieldNode]
    source: Source
    shape: Shape | None
    attribute: str = ""
    # A reader other than getattr, when Strawberry was configured with one.
    reader: Callable[[Any, str], Any] | None = None
    resolve: Callable[..., Any] | None = None
    # Arguments without variables, coerced once; None: coerced per request.
    arguments: dict[str, Any] | None = None
    # Plans of the selection below this field, by concrete object type name.
    below: dict[str, ObjectPlan] = field(default_factory=dict)
    direct: DirectCall | None = None
    # A batched field's batch function: `batch(context, parents, **arguments)`.
    batch: Callable[..., Any] | None = None


@dataclass(slots=True, eq=False)
class DirectCall:
    """A resolver called as Strawberry's wrapper would call it, without the wrapper.

    Only for fields with no field extensions (so no permission classes) and no
    exception handlers: for them the wrapper does nothing but build Strawberry's
    Info, convert the arguments with Strawberry's own conversion and pass
    self/root/parent/info as the function asks. Doing that here saves a
    coroutine, an argument conversion and a chain of partials per call.
    """

    function: Callable[..., Any]
    strawberry_field: Any
    info_class: Any
    passes_self: bool
    parent_name: str | None
    root_name: str | None
    info_name: str | None
    # Converted once when the arguments hold no variables and only immutable values.
    converted: dict[str, Any] | None
    scalar_registry: Any
    config: Any
    # Called with `self` alone, or nothing: no arguments, no Info, no parent or root.
    plain: bool = False


@dataclass(slots=True, eq=False)
class ObjectPlan:
    object_type: GraphQLObjectType
    fields: list[FieldPlan]


class Compiler:
    """Compiles the selections of one operation, with one set of @skip/@include decisions."""

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDetails],
        variables: VariableValues,
        operation: OperationDefinitionNode,
        hide_suggestions: bool,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.operation = operation
        self.hide_suggestions = hide_suggestions

    def root(self, root_type: GraphQLObjectType) -> ObjectPlan | None:
        grouped, _defers, _forbidden = collect_fields(
            self.schema,
            self.fragments,
            self.variables,
            root_type,
            self.operation,
            self.hide_suggestions,
        )
        if any(details[0].node.name.value in _META_ROOTS for details in grouped.values()):
            return None
        return self._object(root_type, grouped)

    def below(self, plan: FieldPlan, object_type: GraphQLObjectType) -> ObjectPlan:
        """The plan of `plan`'s selection on one concrete type (compiled on first use)."""
        found = plan.below.get(object_type.name)
        if found is None:
            grouped, _defers, _forbidden = collect_subfields(
                self.schema,
                self.fragments,
                self.variables,
                self.operation,
                object_type,
                plan.details,
                self.hide_suggestions,
            )
            found = plan.below[object_type.name] = self._object(object_type, grouped)
        return found

    def _object(
        self, object_type: GraphQLObjectType, grouped: dict[str, FieldDetailsList]
    ) -> ObjectPlan:
        fields = []
        for response_name, details in grouped.items():
            compiled = self._field(object_type, response_name, details)
            if compiled is not None:
                fields.append(compiled)
        return ObjectPlan(object_type, fields)

    def _field(
        self, parent: GraphQLObjectType, response_name: str, details: FieldDetailsList
    ) -> FieldPlan | None:
        first = details[0].node
        name = first.name.value
        nodes = [detail.node for detail in details]
        if name == "__typename":
            return FieldPlan(
                response_name, name, parent, None, details, nodes, Source.TYPENAME, None
            )
        definition = self.schema.get_field(parent, name)
        if definition is None:
            return None  # graphql-core leaves unknown fields out too
        plan = FieldPlan(
            response_name,
            name,
            parent,
            definition,
            details,
            nodes,
            Source.RESOLVER,
            shape_of(definition.type),
        )
        strawberry_field = (definition.extensions or {}).get(STRAWBERRY_FIELD)
        resolve = definition.resolve
        if (
            strawberry_field is not None
            and resolve is not None
            and getattr(resolve, "_is_default", False)
        ):
            # Strawberry marks the resolvers of fields that only read an
            # attribute (no resolver, permissions, extensions or error handlers).
            plan.source = Source.ATTRIBUTE
            plan.attribute = strawberry_field.python_name
            reader = strawberry_field.default_resolver
            plan.reader = None if reader is getattr else reader
            return plan
        if resolve is None:
            # graphql-core's default resolver would be used; keep that path.
            raise Unsupported(f"{parent.name}.{name} has no resolver")
        plan.resolve = resolve
        if details[0].fragment_variable_values is None and not _uses_variables(first):
            try:
                plan.arguments = get_argument_values(
                    definition, first, self.variables, None, self.hide_suggestions
                )
            except Exception:
                plan.arguments = None
        if strawberry_field is not None:
            plan.direct = self._direct(strawberry_field, resolve, plan.arguments)
            if plan.direct is not None:
                plan.batch = (strawberry_field.metadata or {}).get(BATCH_KEY)
        return plan

    def _direct(
        self, strawberry_field: Any, resolve: Any, arguments: dict[str, Any] | None
    ) -> DirectCall | None:
        strawberry_schema = getattr(self.schema, "_strawberry_schema", None)
        resolver = strawberry_field.base_resolver
        if (
            strawberry_schema is None
            or resolver is None
            or strawberry_field.extensions
            or _has_exception_handlers(resolve)
            or not callable(resolver.wrapped_func)
        ):
            return None
        config = strawberry_schema.config
        registry = strawberry_schema.schema_converter.scalar_registry
        converted = None
        if arguments is not None:
            try:
                converted = convert_arguments(
                    arguments, strawberry_field.arguments, registry, config, None
                )
            except Exception:
                converted = None
            if converted is not None and not all(
                isinstance(value, _IMMUTABLE) for value in converted.values()
            ):
                converted = None

        def name(parameter: Any) -> str | None:
            return None if parameter is None else str(parameter.name)

        plain = (
            converted == {}
            and resolver.info_parameter is None
            and resolver.parent_parameter is None
            and resolver.root_parameter is None
        )
        return DirectCall(
            plain=plain,
            function=resolver.wrapped_func,
            strawberry_field=strawberry_field,
            info_class=config.info_class,
            passes_self=resolver.self_parameter is not None,
            parent_name=name(resolver.parent_parameter),
            root_name=name(resolver.root_parameter),
            info_name=name(resolver.info_parameter),
            converted=converted,
            scalar_registry=registry,
            config=config,
        )


_IMMUTABLE = (str, int, float, bool, Enum, type(None))


def _has_exception_handlers(resolve: Any) -> bool:
    """Whether Strawberry's wrapper hands this field's errors to exception handlers."""
    code = getattr(resolve, "__code__", None)
    closure = getattr(resolve, "__closure__", None)
    if code is None or closure is None:
        return True
    cells = dict(zip(code.co_freevars, closure, strict=True))
    if "field_exception_handlers" not in cells or "_get_result_with_extensions" not in cells:
        return True  # not the wrapper this was written against: keep it
    return bool(cells["field_exception_handlers"].cell_contents)


class Unsupported(Exception):
    """The operation is left to graphql-core's executor."""


def _uses_variables(node: FieldNode) -> bool:
    return any(_value_uses_variables(argument.value) for argument in node.arguments or ())


def _value_uses_variables(value: ValueNode) -> bool:
    if isinstance(value, VariableNode):
        return True
    if isinstance(value, ListValueNode):
        return any(_value_uses_variables(item) for item in value.values)
    if isinstance(value, ObjectValueNode):
        return any(_value_uses_variables(item.value) for item in value.fields)
    return False


class _ConditionVariables(Visitor):
    """Names of the variables that @skip/@include read."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_directive(self, node: Any, *_args: Any) -> None:
        if node.name.value not in ("skip", "include"):
            return
        for argument in node.arguments or ():
            if isinstance(argument.value, VariableNode):
                self.names.add(argument.value.name.value)
            elif not isinstance(argument.value, BooleanValueNode):
                self.names.add("")  # unusual; the key still separates documents


def condition_variables(nodes: Iterable[Node]) -> tuple[str, ...]:
    found = _ConditionVariables()
    for node in nodes:
        visit(node, found)
    return tuple(sorted(found.names))


@dataclass(slots=True, eq=False)
class OperationPlans:
    """The plans of one operation, one per set of @skip/@include decisions."""

    operation: OperationDefinitionNode  # kept alive, so its id is not reused while cached
    conditions: tuple[str, ...]
    by_decisions: dict[tuple[Any, ...], Compiled] = field(default_factory=dict)


@dataclass(slots=True, eq=False)
class Compiled:
    compiler: Compiler
    root: ObjectPlan | None  # None: graphql-core's executor runs it


# Enough decisions for any sane use of @skip/@include on a handful of variables.
MAX_DECISION_SETS = 16


class PlanCache:
    """Compiled operations, least recently used dropped first.

    Keyed by the operation's node, which belongs to one parsed document: the
    schema's document cache hands back the same document for a text it has
    seen and validated, so a plan is found again; a document parsed afresh
    compiles afresh.
    """

    def __init__(self, maxsize: int = 256) -> None:
        self.maxsize = maxsize
        self._plans: OrderedDict[int, OperationPlans] = OrderedDict()

    def get(
        self,
        operation: OperationDefinitionNode,
        fragments: dict[str, FragmentDefinitionNode],
        variables: VariableValues,
        compile_root: Callable[[], Compiled],
    ) -> Compiled:
        key = id(operation)
        entry = self._plans.get(key)
        if entry is None or entry.operation is not operation:
            conditions = condition_variables([operation, *fragments.values()])
            entry = OperationPlans(operation, conditions)
            self._plans[key] = entry
            while len(self._plans) > self.maxsize:
                self._plans.popitem(last=False)
        else:
            self._plans.move_to_end(key)
        coerced = variables.coerced
        decisions = tuple(coerced.get(name) for name in entry.conditions)
        compiled = entry.by_decisions.get(decisions)
        if compiled is None:
            compiled = compile_root()
            if len(entry.by_decisions) < MAX_DECISION_SETS:
                entry.by_decisions[decisions] = compiled
        return compiled

    def __len__(self) -> int:
        return len(self._plans)
