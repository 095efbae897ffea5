"""graphql-transport-ws clients for the live tests: a real WebSocket to `leeto serve`,
or Starlette's TestClient session into the app; every wait has a timeout."""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import anyio
from starlette.testclient import WebSocketTestSession
from websockets.sync.client import ClientConnection

PROTOCOL = "graphql-transport-ws"
WAIT_SECONDS = 30.0

SESSION_SEATS = """
subscription Seats($id: ID!) {
  sessionSeats(sessionId: $id) { sessionId version seatsLeft waitlistLength reason }
}
"""
MY_ENROLMENTS = """
subscription Mine {
  viewerEnrollmentUpdated { reason enrollment { id status waitlistPosition } }
}
"""
COURSE_UPDATED = """
subscription CourseEdits($id: ID!) {
  courseUpdated(courseId: $id) { reason course { id title } }
}
"""


class Socket:
    """One connection; messages are sorted by operation id as they arrive."""

    def __init__(self, send: Callable[[str], None], receive: Callable[[float], str | None]) -> None:
        self._send = send
        self._receive = receive
        self._by_id: dict[str, list[dict[str, Any]]] = defaultdict(list)

    def init(self, token: str | None = None) -> None:
        payload = {"Authorization": f"Bearer {token}"} if token else {}
        self.send({"type": "connection_init", "payload": payload})
        assert self.receive_any() == {"type": "connection_ack"}

    def send(self, message: dict[str, Any]) -> None:
        self._send(json.dumps(message))

    def receive_any(self, seconds: float = WAIT_SECONDS) -> dict[str, Any]:
        text = self._receive(seconds)
        assert text is not None, "no message in time"
        message: dict[str, Any] = json.loads(text)
        return message

    def subscribe(self, op_id: str, query: str, variables: dict[str, Any] | None = None) -> None:
        self.send(
            {"type": "subscribe", "id": op_id, "payload": {"query": query, "variables": variables}}
        )

    def complete(self, op_id: str) -> None:
        self.send({"type": "complete", "id": op_id})

    def message(self, op_id: str, seconds: float = WAIT_SECONDS) -> dict[str, Any]:
        """The next message of one operation (others are kept for later)."""
        deadline = time.monotonic() + seconds
        while not self._by_id[op_id]:
            left = deadline - time.monotonic()
            assert left > 0, f"no message for operation {op_id} in {seconds}s"
            message = self.receive_any(left)
            self._by_id[str(message.get("id"))].append(message)
        return self._by_id[op_id].pop(0)

    def next(self, op_id: str, seconds: float = WAIT_SECONDS) -> dict[str, Any]:
        """The data of the operation's next result (which must have no errors)."""
        message = self.message(op_id, seconds)
        assert message["type"] == "next", message
        assert "errors" not in message["payload"], message
        data: dict[str, Any] = message["payload"]["data"]
        return data

    def error_then_complete(self, op_id: str, seconds: float = WAIT_SECONDS) -> dict[str, Any]:
        """The error that ended the operation; the server then completes it."""
        message = self.message(op_id, seconds)
        assert message["type"] == "next", message
        assert message["payload"].get("errors"), message
        assert self.message(op_id) == {"id": op_id, "type": "complete"}
        error: dict[str, Any] = message["payload"]["errors"][0]
        return error


def real_socket(connection: ClientConnection) -> Socket:
    def receive(seconds: float) -> str | None:
        try:
            data = connection.recv(timeout=seconds)
        except TimeoutError:
            return None
        return data if isinstance(data, str) else data.decode()

    return Socket(connection.send, receive)


def in_process_socket(session: WebSocketTestSession) -> Socket:
    """TestClient's receive waits for ever: read its stream under a deadline."""

    async def within(seconds: float) -> Any:
        with anyio.move_on_after(seconds):
            return await session._send_rx.receive()
        return None

    def receive(seconds: float) -> str | None:
        message = session.portal.call(within, seconds)
        if message is None:
            return None
        assert message["type"] == "websocket.send", message
        text: str = message["text"]
        return text

    return Socket(session.send_text, receive)
