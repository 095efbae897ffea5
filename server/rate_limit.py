"""Charges each operation's cost to its client's budget before it runs.

The cost comes from the cost limit (`schema/cost.py`), which leaves it on the
context; an operation refused before execution (invalid, too complex, a bad
token) is charged nothing. Over budget, the operation fails with
`RATE_LIMITED` and the response is a 429 with `Retry-After`. Every charged
response carries GitHub's `X-RateLimit-*` headers and, in `extensions.cost`,
Shopify's requested cost and throttle status.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from functools import partial
from typing import Any

from graphql import ExecutionResult, GraphQLError
from limits.errors import StorageError
from strawberry.extensions import SchemaExtension

from ratelimit.budget import Charge, CostBudget
from resolvers.context import Context
from resolvers.errors import Unauthenticated

log = logging.getLogger("leeto.ratelimit")

RATE_LIMITED = "RATE_LIMITED"
TOO_MANY_REQUESTS = 429
# What browsers on other origins may read (CORS exposes them).
RATE_LIMIT_HEADERS = (
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Used",
    "X-RateLimit-Reset",
    "Retry-After",
)


def budget_key(context: Context) -> str:
    """The signed-in user, else the client's address."""
    try:
        viewer = context.viewer()
    except Unauthenticated:
        viewer = None
    if viewer is not None:
        return f"user:{viewer.user_id}"
    return f"address:{context.client_address}"


def rate_limit_headers(charge: Charge) -> dict[str, str]:
    headers = {
        "X-RateLimit-Limit": str(charge.limit),
        "X-RateLimit-Remaining": str(charge.remaining),
        "X-RateLimit-Used": str(charge.used),
        "X-RateLimit-Reset": str(charge.reset_epoch),
    }
    if not charge.allowed:
        headers["Retry-After"] = str(charge.retry_after())
    return headers


def cost_extension(charge: Charge) -> dict[str, Any]:
    return {
        "requestedQueryCost": charge.cost,
        "throttleStatus": {
            "maximumAvailable": charge.limit,
            "currentlyAvailable": charge.remaining,
            "resetAt": datetime.fromtimestamp(charge.reset_epoch, UTC).isoformat(),
        },
    }


def refusal(charge: Charge) -> GraphQLError:
    return GraphQLError(
        f"This operation costs {charge.cost} points and {charge.remaining} of your "
        f"{charge.limit} are left in this window; try again in {charge.retry_after()} "
        "seconds, or ask for less.",
        extensions={
            "code": RATE_LIMITED,
            "cost": charge.cost,
            "retryAfterSeconds": charge.retry_after(),
        },
    )


class CostRateLimit(SchemaExtension):
    def __init__(self, *, budget: CostBudget) -> None:
        super().__init__()
        self.budget = budget
        self.charge: Charge | None = None

    async def on_execute(self) -> AsyncIterator[None]:
        execution = self.execution_context
        context = execution.context
        if (
            isinstance(context, Context)
            and execution.result is None
            and context.operation_cost is not None
        ):
            try:
                self.charge = await self.budget.charge(budget_key(context), context.operation_cost)
            except StorageError as exc:
                # Shared counters unreachable: serve rather than refuse everyone.
                log.warning("rate-limit storage unavailable: %s", type(exc.storage_error).__name__)
            if self.charge is not None:
                context.response_headers.update(rate_limit_headers(self.charge))
                if not self.charge.allowed:
                    context.response_status = TOO_MANY_REQUESTS
                    execution.result = ExecutionResult(data=None, errors=[refusal(self.charge)])
        yield

    def get_results(self) -> dict[str, Any]:
        if self.charge is None:
            return {}
        return {"cost": cost_extension(self.charge)}


def cost_rate_limit(budget: CostBudget) -> partial[CostRateLimit]:
    """The extension factory to give the schema (one extension per operation)."""
    return partial(CostRateLimit, budget=budget)
