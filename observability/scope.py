"""What the current request and operation are, for every log line and metric.

Context variables follow the request through its task and every task it
starts (DataLoader batches, driver calls), so nothing needs passing around.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass

NO_REQUEST = "-"

request_id: ContextVar[str] = ContextVar("leeto_request_id", default=NO_REQUEST)


@dataclass
class OperationStats:
    """Counted while one GraphQL operation runs."""

    mongo_commands: int = 0
    mongo_seconds: float = 0.0


operation_stats: ContextVar[OperationStats | None] = ContextVar(
    "leeto_operation_stats", default=None
)
