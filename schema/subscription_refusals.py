"""Refusals decided before execution also stop a subscription.

An extension refuses an operation by setting the execution's result (a bad
token, a spent rate-limit budget). Strawberry honours that for queries and
mutations, but starts a subscription's stream regardless; raising here, after
those extensions ran, ends the subscription with the refusal instead.
"""

from __future__ import annotations

from collections.abc import Iterator

from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType


class SubscriptionRefusals(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        execution = self.execution_context
        result = execution.result
        if (
            execution.operation_type is OperationType.SUBSCRIPTION
            and result is not None
            and result.errors
        ):
            raise result.errors[0]
        yield
