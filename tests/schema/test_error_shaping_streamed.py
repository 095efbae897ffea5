"""Results streamed to a WebSocket are shaped before they are sent.

Strawberry sends a streamed result while the operation hook is still open, so
shaping there alone left WebSocket errors without a code, and unexpected
errors unmasked.
"""

from __future__ import annotations

import copy
from functools import partial
from typing import Any

import strawberry

from schema.errors import MASKED_MESSAGE, ErrorShaping


@strawberry.type
class Query:
    @strawberry.field
    def boom(self) -> int:
        raise RuntimeError("secret detail")

    @strawberry.field
    def fine(self) -> int:
        return 1


SCHEMA = strawberry.Schema(
    query=Query, extensions=[partial(ErrorShaping, mask=True, hide_suggestions=False)]
)


async def _streamed(query: str) -> list[Any]:
    """The first result as a transport sends it: before the stream goes on."""
    stream = await SCHEMA.stream(query)
    try:
        result = await anext(stream)
        # Copied now: what the operation hook does afterwards reaches no client.
        sent = copy.copy(result)
        sent.errors = list(result.errors or []) or None
        for error in sent.errors or []:
            error.extensions = dict(error.extensions or {})
    finally:
        await stream.aclose()
    return [sent]


async def test_an_unexpected_error_is_masked_and_coded() -> None:
    (result,) = await _streamed("{ boom }")
    assert result.errors is not None
    (error,) = result.errors
    assert error.message == MASKED_MESSAGE
    assert error.extensions is not None
    assert error.extensions["code"] == "INTERNAL_SERVER_ERROR"
    assert "secret" not in str(error.formatted)


async def test_a_validation_error_carries_its_code() -> None:
    (result,) = await _streamed("{ noSuchField }")
    assert result.errors
    assert {e.extensions["code"] for e in result.errors} == {"GRAPHQL_VALIDATION_FAILED"}


async def test_a_result_without_errors_is_untouched() -> None:
    (result,) = await _streamed("{ fine }")
    assert result.data == {"fine": 1}
    assert not result.errors
