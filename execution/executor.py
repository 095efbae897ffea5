"""The hook: graphql-core's executor, with queries run from a compiled plan.

Strawberry builds one executor per operation after parsing, validation and
every schema extension's checks, and calls `execute_operation`; only that call
changes here, so document limits, cost, rate limits, error shaping, timeouts
and observers behave as before. What the plan does not cover goes to
graphql-core's own executor: mutations and subscriptions, introspection,
schema extensions that wrap every resolver (tracing), operations that turn
off error propagation, and aborted executions.
"""

from __future__ import annotations

from typing import Any

from graphql import OperationType
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from execution.plan import Compiled, Compiler, PlanCache, Unsupported
from execution.run import Run


class FastExecutor(StrawberryGraphQLCoreExecutionContext):
    """Set `plans` per schema: see `fast_executor_class`."""

    plans: PlanCache

    def execute_operation(self, serially: bool | None = None) -> Any:
        if not self._plannable(serially):
            return super().execute_operation(serially)
        compiled = self.plans.get(
            self.operation, self.fragment_definitions, self.variable_values, self._compile
        )
        if compiled.root is None:
            return super().execute_operation(serially)
        run = Run(self, compiled.compiler)
        run.start(compiled.root, self.root_value)
        if not run.pending:
            return self.build_response(run.data)

        async def finish() -> Any:
            await run.finish()
            return self.build_response(run.data)

        return finish()

    def _plannable(self, serially: bool | None) -> bool:
        middleware = self.middleware_manager
        return (
            not serially
            and self.operation.operation is OperationType.QUERY
            and (middleware is None or not middleware.middlewares)
            and self.abort_signal is None
            and self.error_propagation
            and self.schema.query_type is not None
        )

    def _compile(self) -> Compiled:
        compiler = Compiler(
            self.schema,
            self.fragments,
            self.variable_values,
            self.operation,
            self.hide_suggestions,
        )
        query_type = self.schema.query_type
        assert query_type is not None
        try:
            root = compiler.root(query_type)
        except (Unsupported, RecursionError):
            root = None
        return Compiled(compiler, root)


def fast_executor_class(plans: PlanCache | None = None) -> type[FastExecutor]:
    """An executor class with its own plan cache (one per schema)."""
    return type("FastExecutor", (FastExecutor,), {"plans": plans or PlanCache()})


__all__ = ["FastExecutor", "fast_executor_class"]
