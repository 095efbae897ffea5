"""Error shaping: every error carries a `code`; unexpected ones are logged and,
in production, masked, with the request id to find them in the logs."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from resolvers.errors import ErrorCode

log = logging.getLogger("leeto.errors")

MASKED_MESSAGE = "Unexpected error."

# graphql-core's hints ("Did you mean 'courses' or 'course'?"), which name parts
# of the schema. Validation is asked to leave them out; this catches the rest
# (variable coercion during execution, enum values, anything a library adds).
_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


def without_suggestions(message: str) -> str:
    return _SUGGESTION.sub("", message)


def is_unexpected(error: GraphQLError) -> bool:
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError)


class ErrorShaping(SchemaExtension):
    """Give every error a code; log and (optionally) mask unexpected ones.

    With `hide_suggestions` (introspection off), no message keeps a
    "Did you mean …?" hint.
    """

    def __init__(self, *, mask: bool = False, hide_suggestions: bool = False) -> None:
        super().__init__()
        self.mask = mask
        self.hide_suggestions = hide_suggestions
        # Errors already shaped for a streamed result (WebSocket operations).
        self._shaped: set[int] = set()

    def on_operation(self) -> Iterator[None]:
        request_id = str(getattr(self.execution_context.context, "request_id", "-"))
        try:
            yield
        except GraphQLError as failure:
            # Syntax errors reach the operation hook as exceptions; the client
            # receives this same error object.
            self._shape(failure, request_id)
            raise
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        result.errors = self._shape_all(result.errors, request_id)

    def on_stream_result(self, result: Any) -> Iterator[None]:
        """Shape a streamed result before it is sent.

        Over a WebSocket, Strawberry sends each result while the operation
        hook is still open, so `on_operation` would shape it too late.
        """
        errors = getattr(result, "errors", None)
        if errors:
            request_id = str(getattr(self.execution_context.context, "request_id", "-"))
            result.errors = self._shape_all(errors, request_id)
        yield

    def _shape_all(self, errors: list[GraphQLError], request_id: str) -> list[GraphQLError]:
        shaped = [
            error if id(error) in self._shaped else self._shape(error, request_id)
            for error in errors
        ]
        self._shaped.update(id(error) for error in shaped)
        return shaped

    def _shape(self, error: GraphQLError, request_id: str) -> GraphQLError:
        if is_unexpected(error):
            original = error.original_error
            assert original is not None
            log.error(
                "unexpected error in %s (request %s): %s",
                ".".join(str(p) for p in error.path or []) or "operation",
                request_id,
                type(original).__name__,
                exc_info=(type(original), original, original.__traceback__),
            )
            return GraphQLError(
                MASKED_MESSAGE if self.mask else error.message,
                nodes=error.nodes,
                source=error.source,
                positions=error.positions,
                path=error.path,
                extensions={
                    "code": ErrorCode.INTERNAL_SERVER_ERROR.value,
                    "requestId": request_id,
                },
            )
        if self.hide_suggestions:
            error.message = without_suggestions(error.message)
        if not (error.extensions or {}).get("code"):
            syntax = error.message.startswith("Syntax Error")
            code = "GRAPHQL_PARSE_FAILED" if syntax else "GRAPHQL_VALIDATION_FAILED"
            error.extensions = {**(error.extensions or {}), "code": code}
        return error
