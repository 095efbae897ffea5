"""Running a plan: the result built as a dict, resolvers awaited together, wave by wave.

Everything that can be done without waiting is done at once: attributes are
read, leaves coerced, and objects below completed in the same pass. The
awaitables a pass leaves (resolvers that wait for MongoDB or a DataLoader) are
gathered together, so the loads of one wave batch as they did under
graphql-core; their values are then completed in a new pass, and so on.

Nulls travel as graphql-core sends them: a null in a non-null position nulls
the nearest nullable enclosing position, and errors raised below a position
already nulled are dropped, as graphql-core's collected errors drop them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING, Any

from graphql import (
    GraphQLError,
    GraphQLObjectType,
    GraphQLResolveInfo,
    located_error,
)
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path, Undefined, inspect, is_iterable
from strawberry.types.arguments import convert_arguments
from strawberry.types.cast import TYPE_CAST_ATTRIBUTE

from datastore.loader_batches import report_field_batch
from execution.plan import (
    STRAWBERRY_CONVERTER,
    Compiler,
    DirectCall,
    FieldPlan,
    Kind,
    ObjectPlan,
    Shape,
    Source,
)

if TYPE_CHECKING:
    from execution.executor import FastExecutor

Info = GraphQLResolveInfo[Any]

_ATTRIBUTE = Source.ATTRIBUTE
_RESOLVER = Source.RESOLVER
_LEAF = Kind.LEAF
# GraphQL's Int: a signed 32-bit integer.
_INT_MIN = -(2**31)
_INT_MAX = 2**31 - 1


class Position:
    """Where a list or an object sits in the result, for null propagation."""

    __slots__ = ("_path", "container", "dead", "key", "non_null", "parent", "typename", "value")

    def __init__(
        self,
        value: Any,
        container: Any,
        key: str | int,
        non_null: bool,
        parent: Position | None,
        typename: str | None,
    ) -> None:
        self.value = value  # the dict (object) or list this position holds
        self.container = container  # the dict or list holding it; None at the root
        self.key = key
        self.non_null = non_null
        self.parent = parent
        self.typename = typename  # objects: their type's name (the `typename` of their paths)
        self.dead = False
        self._path: Path | None = None

    @property
    def path(self) -> Path | None:
        """Its response path (None at the root), built only when an error or an Info needs it."""
        path = self._path
        parent = self.parent
        if path is None and parent is not None:
            path = self._path = Path(parent.path, self.key, parent.typename)
        return path


class Wave:
    """The parents a batched field reached in one pass: one call of its batch function."""

    __slots__ = ("field", "positions", "sources")

    def __init__(self, field: FieldPlan) -> None:
        self.field = field
        self.sources: list[Any] = []
        self.positions: list[Position] = []  # each parent object's position


class Pending:
    """A resolver's awaitable, and where its value goes (or, for a batch, its values)."""

    __slots__ = ("awaitable", "info", "key", "parent", "plan", "shape", "wave")

    def __init__(
        self,
        awaitable: Awaitable[Any],
        plan: FieldPlan,
        shape: Shape,
        parent: Position | None,
        key: str | int,
        info: Info | None,
        wave: Wave | None = None,
    ) -> None:
        self.awaitable = awaitable
        self.plan = plan
        self.shape = shape
        self.parent = parent
        self.key = key
        self.info = info
        self.wave = wave


class Run:
    """One execution of a plan."""

    def __init__(self, executor: FastExecutor, compiler: Compiler) -> None:
        self.executor = executor
        self.compiler = compiler
        self.is_awaitable: Callable[[Any], bool] = executor.is_awaitable
        self.pending: list[Pending] = []
        self.errors = executor.collected_errors.errors
        self.nulled = False  # whether any position was nulled (else no ancestry walks)
        self.data: dict[str, Any] | None = {}
        # Set once the first pass left awaitables (see `finish`).
        self.done: asyncio.Future[None] | None = None
        self.running: set[asyncio.Future[Any]] = set()
        self.deferred = 0  # errors waiting a turn before they null their position
        # Batched fields reached in the current pass, called when it ends.
        self.waves: dict[FieldPlan, Wave] = {}

    # The passes.

    def start(self, root: ObjectPlan, root_value: Any) -> None:
        assert self.data is not None
        position = Position(self.data, None, "", False, None, root.object_type.name)
        self.execute_object(root, root_value, position)
        self.call_batches()

    async def finish(self) -> None:
        """Wait until every awaitable has finished and its value is completed."""
        self.done = asyncio.get_running_loop().create_future()
        self.schedule()
        try:
            await self.done
        finally:
            for future in self.running:
                future.cancel()

    def schedule(self) -> None:
        """Start the awaitables a pass left; each value is completed as soon as it is in.

        Continuing each field as soon as it can is what graphql-core does, so
        loads batch in the same loop iterations and errors come in the same order.
        """
        wave, self.pending = self.pending, []
        for item in wave:
            future = asyncio.ensure_future(item.awaitable)
            self.running.add(future)
            future.add_done_callback(partial(self.arrived, item))

    def arrived(self, item: Pending, future: asyncio.Future[Any]) -> None:
        self.running.discard(future)
        done = self.done
        assert done is not None
        if done.done():
            return
        try:
            parent = item.parent
            if future.cancelled():
                raise asyncio.CancelledError
            error = future.exception()
            if error is not None and not isinstance(error, Exception):
                raise error
            if item.wave is not None:
                if error is None:
                    self.distribute(item.wave, future.result())
                else:
                    self.fail_wave(error, item.wave)
            elif parent is not None and not (self.nulled and self.is_dead(parent)):
                if error is None:
                    self.complete(
                        item.plan, item.shape, future.result(), parent, item.key, item.info
                    )
                else:
                    self.fail(error, item.plan, parent, item.key, item.shape.non_null)
            self.call_batches()
            if self.pending:
                self.schedule()
        except BaseException as failure:
            done.set_exception(failure)
            return
        if not self.running and not self.deferred:
            done.set_result(None)

    def execute_object(self, plan: ObjectPlan, source: Any, position: Position) -> None:
        data = position.value
        typename = position.typename
        for field in plan.fields:
            name = field.response_name
            kind = field.source
            if kind is _ATTRIBUTE:
                try:
                    if field.reader is None:
                        value = getattr(source, field.attribute)
                    else:
                        value = field.reader(source, field.attribute)
                except Exception as error:
                    data[name] = None
                    self.fail(error, field, position, name, _non_null(field))
                    if position.dead:
                        return
                    continue
                shape = field.shape
                assert shape is not None
                # Leaves straight here (the common case), nulls of nullable leaves too.
                if shape.kind is _LEAF:
                    if value is not None:
                        if type(value) is shape.plain:
                            data[name] = value
                            continue
                        try:
                            data[name] = self.leaf(shape, value)
                        except Exception as error:
                            data[name] = None
                            self.fail(error, field, position, name, shape.non_null)
                            if position.dead:
                                return
                        continue
                    if not shape.non_null:
                        data[name] = None
                        continue
                data[name] = None
                self.complete(field, shape, value, position, name, None)
            elif kind is _RESOLVER:
                data[name] = None
                if field.batch is None:
                    self.call_resolver(field, source, position, typename)
                else:
                    wave = self.waves.get(field)
                    if wave is None:
                        wave = self.waves[field] = Wave(field)
                    wave.sources.append(source)
                    wave.positions.append(position)
                    continue
            else:
                data[name] = typename
                continue
            if position.dead:
                return  # a non-null field failed: graphql-core stops this object too

    def call_resolver(
        self, field: FieldPlan, source: Any, position: Position, typename: str | None
    ) -> None:
        name = field.response_name
        shape = field.shape
        definition = field.definition
        assert shape is not None
        assert definition is not None
        assert field.resolve is not None
        direct = field.direct
        info: Info | None = None
        try:
            if direct is not None and direct.plain:
                # Nothing to convert and no Info asked for: call it as it is.
                value = direct.function(source) if direct.passes_self else direct.function()
            else:
                path = Path(position.path, name, typename)
                info = self.executor.build_resolve_info(
                    definition, field.nodes, field.parent_type, path
                )
                arguments = self.arguments_of(field)
                if direct is None:
                    value = field.resolve(source, info, **arguments)
                else:
                    value = self.call_directly(direct, source, info, arguments)
        except Exception as error:
            self.fail(error, field, position, name, shape.non_null)
            return
        if self.is_awaitable(value):
            self.pending.append(Pending(value, field, shape, position, name, info))
            return
        self.complete(field, shape, value, position, name, info)

    def arguments_of(self, field: FieldPlan) -> dict[str, Any]:
        """The field's coerced arguments: compiled once, or coerced for this request."""
        if field.arguments is not None:
            return field.arguments
        definition = field.definition
        assert definition is not None
        node = field.nodes[0]
        if not (definition.args or node.arguments):
            return {}
        executor = self.executor
        return get_argument_values(
            definition,
            node,
            executor.variable_values,
            field.details[0].fragment_variable_values,
            executor.hide_suggestions,
        )

    # Batched fields.

    def call_batches(self) -> None:
        """Call the batch function of every batched field the pass reached, once each."""
        if not self.waves:
            return
        waves, self.waves = self.waves, {}
        for wave in waves.values():
            field = wave.field
            batch = field.batch
            assert batch is not None
            report_field_batch(f"{field.parent_type.name}.{field.field_name}", len(wave.sources))
            try:
                arguments = self.batch_arguments(field, wave.positions[0])
                value = batch(self.executor.context_value, wave.sources, **arguments)
            except Exception as error:
                self.fail_wave(error, wave)
                continue
            if self.is_awaitable(value):
                shape = field.shape
                assert shape is not None
                self.pending.append(Pending(value, field, shape, None, "", None, wave))
            else:
                self.distribute(wave, value)

    def batch_arguments(self, field: FieldPlan, position: Position) -> dict[str, Any]:
        """The arguments as the field's resolver would get them (the same for every parent)."""
        direct = field.direct
        assert direct is not None
        if direct.converted is not None:
            return direct.converted
        definition = field.definition
        assert definition is not None
        arguments = self.arguments_of(field)
        path = Path(position.path, field.response_name, position.typename)
        info = self.executor.build_resolve_info(definition, field.nodes, field.parent_type, path)
        strawberry_info = direct.info_class(_raw_info=info, _field=direct.strawberry_field)
        converted: dict[str, Any] = convert_arguments(
            arguments,
            direct.strawberry_field.arguments,
            direct.scalar_registry,
            direct.config,
            strawberry_info,
        )
        return converted

    def distribute(self, wave: Wave, results: Any) -> None:
        """Complete each parent's field with its result, in the parents' order."""
        field = wave.field
        if not isinstance(results, list | tuple) or len(results) != len(wave.positions):
            self.fail_wave(
                TypeError(
                    f"The batch of {field.parent_type.name}.{field.field_name} gave"
                    f" {inspect(results)} for {len(wave.positions)} parents."
                ),
                wave,
            )
            return
        shape = field.shape
        assert shape is not None
        name = field.response_name
        for position, value in zip(wave.positions, results, strict=True):
            if self.nulled and self.is_dead(position):
                continue
            self.complete(field, shape, value, position, name, None)

    def fail_wave(self, error: Exception, wave: Wave) -> None:
        field = wave.field
        non_null = _non_null(field)
        for position in wave.positions:
            self.fail(error, field, position, field.response_name, non_null)

    @staticmethod
    def call_directly(direct: DirectCall, source: Any, info: Info, arguments: Any) -> Any:
        strawberry_info = direct.info_class(_raw_info=info, _field=direct.strawberry_field)
        if direct.converted is not None:
            kwargs = dict(direct.converted)
        else:
            kwargs = convert_arguments(
                arguments,
                direct.strawberry_field.arguments,
                direct.scalar_registry,
                direct.config,
                strawberry_info,
            )
        if direct.parent_name is not None:
            kwargs[direct.parent_name] = source
        if direct.root_name is not None:
            kwargs[direct.root_name] = source
        if direct.info_name is not None:
            kwargs[direct.info_name] = strawberry_info
        if direct.passes_self:
            return direct.function(source, **kwargs)
        return direct.function(**kwargs)

    def complete(
        self,
        field: FieldPlan,
        shape: Shape,
        value: Any,
        parent: Position,
        key: str | int,
        info: Info | None,
    ) -> None:
        """Put the completed `value` at `parent.value[key]` (already holding None)."""
        try:
            if isinstance(value, Exception):
                raise value
            if value is None or value is Undefined:
                if shape.non_null:
                    raise TypeError(
                        "Cannot return null for non-nullable field"
                        f" {field.parent_type.name}.{field.field_name}."
                    )
                return
            kind = shape.kind
            if kind is Kind.LEAF:
                parent.value[key] = self.leaf(shape, value)
            elif kind is Kind.OBJECT:
                self.object(field, shape, shape.graphql_type, value, parent, key, info)
            elif kind is Kind.LIST:
                self.list(field, shape, value, parent, key, info)
            else:
                self.abstract(field, shape, value, parent, key, info)
        except Exception as error:
            self.fail(error, field, parent, key, shape.non_null)

    @staticmethod
    def leaf(shape: Shape, value: Any) -> Any:
        kind = type(value)
        if kind is shape.plain:
            return value
        if kind is int and shape.small_int and _INT_MIN <= value <= _INT_MAX:
            return value
        names = shape.names
        if names is not None:
            name = names.get(id(value))
            if name is not None:
                return name
        serialize = shape.serialize
        assert serialize is not None
        coerced = serialize(value)
        if coerced is Undefined or coerced is None:
            raise TypeError(
                f"Expected `{inspect(shape.graphql_type)}.coerce_output_value("
                f"{inspect(value)})` to return non-nullable value, returned:"
                f" {inspect(coerced)}"
            )
        return coerced

    def object(
        self,
        field: FieldPlan,
        shape: Shape,
        object_type: GraphQLObjectType,
        value: Any,
        parent: Position,
        key: str | int,
        info: Info | None,
    ) -> None:
        is_type_of = object_type.is_type_of
        if is_type_of is not None and not (
            type(value) is shape.trusted and TYPE_CAST_ATTRIBUTE not in value.__dict__
        ):
            # Strawberry's own checks are isinstance tests that ignore the info.
            if info is None and not _ignores_info(is_type_of):
                info = self.info(field, parent, key)
            if not is_type_of(value, info):  # type: ignore[arg-type]
                raise GraphQLError(
                    f"Expected value of type '{object_type}' but got: {inspect(value)}.",
                    field.nodes,
                )
        data: dict[str, Any] = {}
        parent.value[key] = data
        position = Position(
            data,
            parent.value,
            key,
            shape.non_null,
            parent,
            object_type.name,
        )
        plan = field.below.get(object_type.name) or self.compiler.below(field, object_type)
        self.execute_object(plan, value, position)

    def list(
        self,
        field: FieldPlan,
        shape: Shape,
        value: Any,
        parent: Position,
        key: str | int,
        info: Info | None,
    ) -> None:
        if not is_iterable(value):
            raise GraphQLError(
                "Expected Iterable, but did not find one for field"
                f" '{field.parent_type.name}.{field.field_name}'."
            )
        items: list[Any] = []
        parent.value[key] = items
        position = Position(
            items,
            parent.value,
            key,
            shape.non_null,
            parent,
            None,
        )
        item_shape = shape.item
        assert item_shape is not None
        plain = item_shape.plain if item_shape.kind is Kind.LEAF else None
        for index, item in enumerate(_iterate(value)):
            if plain is not None and type(item) is plain:
                items.append(item)
                continue
            items.append(None)
            if self.is_awaitable(item):
                self.pending.append(Pending(item, field, item_shape, position, index, info))
                continue
            self.complete(field, item_shape, item, position, index, info)
            if position.dead:
                return

    def abstract(
        self,
        field: FieldPlan,
        shape: Shape,
        value: Any,
        parent: Position,
        key: str | int,
        info: Info | None,
    ) -> None:
        info = info or self.info(field, parent, key)
        abstract_type = shape.graphql_type
        resolve_type = abstract_type.resolve_type or self.executor.type_resolver
        runtime_name = resolve_type(value, info, abstract_type)
        if self.is_awaitable(runtime_name):
            raise TypeError("asynchronous type resolution is not planned")  # pragma: no cover
        runtime_type = self.executor.ensure_valid_runtime_type(
            runtime_name, abstract_type, field.details, info, value
        )
        self.object(field, shape, runtime_type, value, parent, key, info)

    def info(self, field: FieldPlan, parent: Position, key: str | int) -> Info:
        """Resolve info for a field read as an attribute (type checks of abstract values)."""
        assert field.definition is not None
        owner = parent
        while owner.typename is None and owner.parent is not None:
            owner = owner.parent
        path = owner.path if owner is not parent else Path(parent.path, key, parent.typename)
        assert path is not None
        return self.executor.build_resolve_info(
            field.definition, field.nodes, field.parent_type, path
        )

    # Errors and nulls.

    def fail(
        self, raw: Exception, field: FieldPlan, parent: Position, key: str | int, non_null: bool
    ) -> None:
        """A field error at `parent.value[key]`: recorded, and the value nulled."""
        if self.nulled and self.is_dead(parent):
            return  # below a position already nulled: graphql-core drops it too
        path = Path(parent.path, key, parent.typename)
        error = located_error(raw, field.nodes, path.as_list())
        if not (non_null and self.executor.error_propagation):
            self.errors.append(error)
            parent.value[key] = None
        elif self.done is None:
            self.propagate(error, parent)
        else:
            # graphql-core records an error that nulls an enclosing position
            # only once it has travelled up through the awaits between them, so
            # errors its siblings raise meanwhile come first; wait a turn too.
            self.deferred += 1
            self.done.get_loop().call_soon(self.propagate_later, error, parent)

    def propagate(self, error: GraphQLError, parent: Position) -> None:
        if self.nulled and self.is_dead(parent):
            return
        self.errors.append(error)
        self.null_out(parent)

    def propagate_later(self, error: GraphQLError, parent: Position) -> None:
        self.deferred -= 1
        done = self.done
        assert done is not None
        if done.done():
            return
        self.propagate(error, parent)
        if not self.running and not self.deferred:
            done.set_result(None)

    def null_out(self, position: Position) -> None:
        """Null `position`, or, if it is non-null, its nearest nullable ancestor."""
        self.nulled = True
        while position.non_null and position.parent is not None:
            position.dead = True
            position = position.parent
        position.dead = True
        if position.container is None:
            self.data = None
        else:
            position.container[position.key] = None

    @staticmethod
    def is_dead(position: Position | None) -> bool:
        while position is not None:
            if position.dead:
                return True
            position = position.parent
        return False


def _ignores_info(is_type_of: Callable[..., Any]) -> bool:
    return getattr(is_type_of, "__module__", "") == STRAWBERRY_CONVERTER


def _non_null(field: FieldPlan) -> bool:
    return field.shape is not None and field.shape.non_null


def _iterate(value: Any) -> Iterable[Any]:
    return value  # type: ignore[no-any-return]
