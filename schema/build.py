"""The Schema object, and its SDL for `schema.graphql`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import strawberry
from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError
from strawberry.extensions import (
    DisableIntrospection,
    MaxTokensLimiter,
    SchemaExtension,
)
from strawberry.types import ExecutionContext

from execution.executor import fast_executor_class
from schema.document_limits import DocumentLimits, DocumentLimitsCheck
from schema.document_scan import DocumentScan
from schema.errors import ErrorShaping
from schema.mutation import Mutation
from schema.node_registry import node_types
from schema.operation_name import RequireOperationName
from schema.permissions import RejectInvalidAccessToken
from schema.query import Query
from schema.subscription import Subscription
from schema.subscription_refusals import SubscriptionRefusals
from schema.validation import ReuseValidDocument, Validation, ValidDocuments

ExtensionFactory = type[SchemaExtension] | Callable[[], SchemaExtension]

log = logging.getLogger("leeto.operations")

OPERATION_TIMEOUT_CODE = "OPERATION_TIMEOUT"


class LeetoSchema(strawberry.Schema):
    # Unlimited until the app sets it from LEETO_OPERATION_TIMEOUT_SECONDS.
    operation_timeout: float | None = None

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # ErrorShaping logs the unexpected errors; client errors are not worth a log line.
        return

    async def _execute_operation(self, execution_context: Any, *args: Any, **kwargs: Any) -> Any:
        """Run one query or mutation, stopped once it runs too long.

        Strawberry runs queries and mutations through here whether they came
        over HTTP or a WebSocket (subscriptions take another path and live on).
        The limit interrupts waiting (MongoDB, loaders), not a busy event loop:
        the document checks keep the CPU-bound part short.
        """
        deadline = asyncio.timeout(self.operation_timeout)
        try:
            async with deadline:
                return await super()._execute_operation(execution_context, *args, **kwargs)
        except TimeoutError:
            if not deadline.expired():
                raise
        # The request id finds the operation in the access log; names sent by
        # clients stay out of this line.
        log.warning(
            "operation stopped after %ss (request %s)",
            self.operation_timeout,
            getattr(execution_context.context, "request_id", "-"),
        )
        error = GraphQLError(
            f"The operation took longer than {self.operation_timeout:g} s and was stopped.",
            extensions={"code": OPERATION_TIMEOUT_CODE},
        )
        result = GraphQLExecutionResult(data=None, errors=[error])
        execution_context.result = result
        return result


def build_schema(
    *,
    mask_errors: bool = False,
    max_tokens: int = 5000,
    max_characters: int = 100_000,
    introspection: bool = True,
    limits: DocumentLimits | None = None,
    operation_timeout: float | None = None,
    fast_execution: bool = True,
    extra: Sequence[ExtensionFactory] = (),
    observers: Sequence[ExtensionFactory] = (),
) -> LeetoSchema:
    """`extra` run after the built-in checks; `observers` wrap everything, so they
    see each operation's whole duration and its errors as clients receive them."""
    # Without introspection, error messages must not describe the schema either.
    hide_suggestions = not introspection
    limits = limits or DocumentLimits()
    # One per schema: whether a document is valid depends on the schema's rules.
    documents = ValidDocuments()
    extensions: list[ExtensionFactory] = [
        *observers,
        partial(ErrorShaping, mask=mask_errors, hide_suggestions=hide_suggestions),
        # Parsing hooks, in order: a known text skips the rest; the scan refuses
        # before the parser runs; the parser keeps its own exact token limit.
        partial(ReuseValidDocument, documents=documents),
        partial(DocumentScan, max_tokens=max_tokens, max_characters=max_characters, limits=limits),
        partial(MaxTokensLimiter, max_token_count=max_tokens),
        # Validation hooks, in order: each steps aside once one refused.
        RequireOperationName,
        partial(DocumentLimitsCheck, limits=limits),
        partial(Validation, documents=documents, hide_suggestions=hide_suggestions),
        RejectInvalidAccessToken,
        *([] if introspection else [DisableIntrospection]),
        *extra,
        SubscriptionRefusals,  # after every extension that may refuse
    ]
    schema = LeetoSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=node_types(),
        extensions=extensions,
        # One plan cache per schema, beside its document cache.
        execution_context_class=fast_executor_class() if fast_execution else None,
    )
    schema.operation_timeout = operation_timeout
    return schema


def schema_sdl() -> str:
    return build_schema().as_str() + "\n"
