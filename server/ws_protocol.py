"""graphql-transport-ws: messages checked against the protocol before Strawberry handles them.

Strawberry trusts a message's shape once it parsed as JSON: a JSON array, a
subscribe whose `id` is a number or whose `variables` is a list, fail inside
its handler and drop the socket without a close frame (or leave the operation
hanging). The protocol asks for close code 4400 for any message that breaks
its rules.
"""

from __future__ import annotations

from typing import Any, cast

from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import Message

from resolvers.context import Context

_OPTIONAL_OBJECT_PAYLOAD = frozenset({"connection_init", "ping", "pong"})


def protocol_violation(message: object) -> str | None:
    """Why `message` breaks graphql-transport-ws's rules, or None when it follows them."""
    if not isinstance(message, dict):
        return "Invalid message: expected a JSON object"
    kind = message.get("type")
    if not isinstance(kind, str):
        return "Invalid message: `type` must be a string"
    if kind in _OPTIONAL_OBJECT_PAYLOAD:
        if not isinstance(message.get("payload"), dict | None):
            return f"Invalid {kind} message: `payload` must be an object"
        return None
    if kind not in ("subscribe", "complete"):
        return None  # Strawberry closes with 4400 naming the unknown type.
    op_id = message.get("id")
    if not isinstance(op_id, str) or not op_id:
        return f"Invalid {kind} message: `id` must be a non-empty string"
    if kind == "complete":
        return None
    payload = message.get("payload")
    if not isinstance(payload, dict):
        return "Invalid subscribe message: `payload` must be an object"
    if not isinstance(payload.get("query"), str):
        return "Invalid subscribe message: `payload.query` must be a string"
    for key, expected in (
        ("variables", "an object"),
        ("extensions", "an object"),
        ("operationName", "a string"),
    ):
        value = payload.get(key)
        wanted: type = dict if expected == "an object" else str
        if value is not None and not isinstance(value, wanted):
            return f"Invalid subscribe message: `payload.{key}` must be {expected} or null"
    return None


class LeetoTransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """Checks each message, and runs each operation on a context of its own.

    Strawberry hands every operation of a connection the one context built at
    connect; operations in flight together would then share loaders and
    credentials. `self.context` stays the connection's (connection_init
    fills it); each operation sees its own `Context.for_operation()` copy.
    """

    async def run_operation(self, operation: Operation[Context, None]) -> None:
        connection = self.context
        own = _OperationView(self, connection.for_operation())
        await BaseGraphQLTransportWSHandler.run_operation(cast("Any", own), operation)

    async def handle_message(self, message: Message) -> None:
        violation = protocol_violation(cast("Any", message))
        if violation is not None:
            await self.handle_invalid_message(violation)
            return
        await super().handle_message(message)


class _OperationView:
    """The handler as one operation sees it: its own context, the rest shared."""

    def __init__(self, handler: LeetoTransportWSHandler, context: Context) -> None:
        self._handler = handler
        self.context = context

    def __getattr__(self, name: str) -> Any:
        return getattr(self._handler, name)
