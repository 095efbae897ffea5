"""The graphql-transport-ws protocol, spoken by a real WebSocket client to `leeto serve`.

Close codes and message rules of
https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md: 4400 for a
message that breaks the rules, 4401 for an operation before connection_ack,
4403 for a refused connection_init, 4408 when connection_init never comes,
4409 for a second subscriber on one id, 4429 for a second connection_init;
ping answered by pong; queries and mutations answered by `next` then
`complete`, or by `error` when the document is invalid.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from server.demo.build import DEMO_PASSWORD, DEMO_STUDENT
from tests.conftest import with_database
from tests.serving import Served, serve_env, serving_process

PROTOCOL = "graphql-transport-ws"
CAMPUSES = "{ campuses { city } }"
VIEWER = "{ viewer { email } }"
LOG_IN = """
mutation LogIn($email: String!, $password: String!) {
  userLogIn(input: { email: $email, password: $password }) {
    __typename
    ... on AuthPayload { accessToken }
  }
}
"""


def _url(served: Served) -> str:
    return served.url.replace("http://", "ws://", 1) + "/graphql"


# The client logs every frame at DEBUG, tokens and passwords included: not into
# the run's logs, which must hold no personal data.
_QUIET = logging.getLogger("tests.graphql_transport_ws.client")
_QUIET.propagate = False
_QUIET.setLevel(logging.CRITICAL)


def _open(served: Served) -> ClientConnection:
    return connect(
        _url(served),
        subprotocols=[PROTOCOL],  # type: ignore[list-item]
        logger=_QUIET,
    )


def _send(ws: ClientConnection, message: dict[str, Any]) -> None:
    ws.send(json.dumps(message))


def _recv(ws: ClientConnection) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(ws.recv(timeout=10))
    return message


def _acknowledged(ws: ClientConnection, payload: dict[str, Any] | None = None) -> None:
    init: dict[str, Any] = {"type": "connection_init"}
    if payload is not None:
        init["payload"] = payload
    _send(ws, init)
    assert _recv(ws) == {"type": "connection_ack"}


def _subscribe(
    ws: ClientConnection, op_id: str, query: str, variables: dict[str, Any] | None = None
) -> None:
    payload: dict[str, Any] = {"query": query}
    if variables is not None:
        payload["variables"] = variables
    _send(ws, {"id": op_id, "type": "subscribe", "payload": payload})


def _read_until_closed(ws: ClientConnection) -> None:
    for _ in range(10):  # the answers to what was sent before the close, if any
        ws.recv(timeout=10)


def _closed_with(ws: ClientConnection) -> tuple[int, str]:
    """Read until the server closes the socket; its close code and reason."""
    with pytest.raises(ConnectionClosed) as closed:
        _read_until_closed(ws)
    received = closed.value.rcvd
    assert received is not None, "the server dropped the socket without a close frame"
    return received.code, received.reason


def _result(ws: ClientConnection, op_id: str) -> dict[str, Any]:
    """The single `next` of a query or mutation, followed by its `complete`."""
    message = _recv(ws)
    assert message["type"] == "next", message
    assert message["id"] == op_id
    assert _recv(ws) == {"id": op_id, "type": "complete"}
    payload: dict[str, Any] = message["payload"]
    return payload


def _student_token(served: Served) -> str:
    body = httpx.post(
        f"{served.url}/graphql",
        json={"query": LOG_IN, "variables": {"email": DEMO_STUDENT, "password": DEMO_PASSWORD}},
        timeout=30,
    ).json()
    assert body["data"]["userLogIn"]["__typename"] == "AuthPayload", body
    token: str = body["data"]["userLogIn"]["accessToken"]
    return token


# --- the handshake ---------------------------------------------------------------


def test_ping_before_and_after_the_handshake_gets_a_pong(live_server: Served) -> None:
    with _open(live_server) as ws:
        _send(ws, {"type": "ping"})
        assert _recv(ws) == {"type": "pong"}
        _acknowledged(ws)
        _send(ws, {"type": "ping", "payload": {"at": 1}})
        assert _recv(ws)["type"] == "pong"
        # A pong from the client is allowed at any time and needs no answer.
        _send(ws, {"type": "pong"})
        _subscribe(ws, "1", CAMPUSES)
        assert _result(ws, "1")["data"]["campuses"]


def test_a_subscribe_before_connection_ack_closes_with_4401(live_server: Served) -> None:
    with _open(live_server) as ws:
        _subscribe(ws, "1", CAMPUSES)
        code, reason = _closed_with(ws)
    assert (code, reason) == (4401, "Unauthorized")


def test_a_second_connection_init_closes_with_4429(live_server: Served) -> None:
    with _open(live_server) as ws:
        _acknowledged(ws)
        _send(ws, {"type": "connection_init"})
        code, reason = _closed_with(ws)
    assert (code, reason) == (4429, "Too many initialisation requests")


def test_a_refused_token_in_connection_init_closes_with_4403(live_server: Served) -> None:
    with _open(live_server) as ws:
        _send(ws, {"type": "connection_init", "payload": {"Authorization": "Bearer not-a-token"}})
        code, reason = _closed_with(ws)
    assert (code, reason) == (4403, "Forbidden")


def test_a_valid_token_in_connection_init_signs_the_connection_in(live_server: Served) -> None:
    token = _student_token(live_server)
    with _open(live_server) as ws:
        _acknowledged(ws, {"Authorization": f"Bearer {token}"})
        _subscribe(ws, "me", VIEWER)
        assert _result(ws, "me") == {"data": {"viewer": {"email": DEMO_STUDENT}}}


def test_without_connection_init_the_socket_closes_with_4408(
    mongo_uri: str, data_dir: Path
) -> None:
    name = f"leeto_t_{uuid.uuid4().hex[:12]}"
    env = serve_env(with_database(mongo_uri, name), data_dir, LEETO_WS_INIT_TIMEOUT_SECONDS="1")
    with serving_process(env) as served, _open(served) as ws:
        started = time.monotonic()
        code, reason = _closed_with(ws)
        waited = time.monotonic() - started
    assert (code, reason) == (4408, "Connection initialisation timeout")
    assert 0.5 < waited < 8


# --- messages that break the rules ------------------------------------------------


@pytest.mark.parametrize(
    "message",
    [
        "not json",
        "[]",
        '"connection_init"',
        json.dumps({"payload": {}}),
        json.dumps({"type": "no-such-type"}),
        json.dumps({"type": "connection_init", "payload": "not an object"}),
    ],
    ids=["not-json", "array", "string", "no-type", "unknown-type", "init-payload-not-object"],
)
def test_an_invalid_message_closes_with_4400(live_server: Served, message: str) -> None:
    with _open(live_server) as ws:
        ws.send(message)
        code, _ = _closed_with(ws)
    assert code == 4400


@pytest.mark.parametrize(
    "message",
    [
        {"type": "subscribe", "payload": {"query": CAMPUSES}},
        {"type": "subscribe", "id": 1, "payload": {"query": CAMPUSES}},
        {"type": "subscribe", "id": "1"},
        {"type": "subscribe", "id": "1", "payload": {}},
        {"type": "subscribe", "id": "1", "payload": {"query": 42}},
        {"type": "subscribe", "id": "1", "payload": "{ campuses { city } }"},
        {"type": "subscribe", "id": "1", "payload": {"query": CAMPUSES, "variables": []}},
        {"type": "complete"},
    ],
    ids=[
        "no-id",
        "id-not-string",
        "no-payload",
        "no-query",
        "query-not-string",
        "payload-not-object",
        "variables-not-object",
        "complete-without-id",
    ],
)
def test_a_malformed_operation_message_closes_with_4400(
    live_server: Served, message: dict[str, Any]
) -> None:
    with _open(live_server) as ws:
        _acknowledged(ws)
        _send(ws, message)
        code, _ = _closed_with(ws)
    assert code == 4400


def test_binary_messages_close_with_4400(live_server: Served) -> None:
    with _open(live_server) as ws:
        ws.send(b'{"type": "connection_init"}')
        code, _ = _closed_with(ws)
    assert code == 4400


def test_a_server_message_from_the_client_closes_with_4400(live_server: Served) -> None:
    with _open(live_server) as ws:
        _acknowledged(ws)
        _send(ws, {"type": "next", "id": "1", "payload": {"data": {}}})
        code, _ = _closed_with(ws)
    assert code == 4400


# --- operations -------------------------------------------------------------------


def test_a_query_answers_next_then_complete(live_server: Served) -> None:
    with _open(live_server) as ws:
        _acknowledged(ws)
        _subscribe(ws, "q", CAMPUSES)
        result = _result(ws, "q")
    cities = {campus["city"] for campus in result["data"]["campuses"]}
    assert "Johannesburg" in cities
    assert "errors" not in result


def test_operations_on_one_connection_each_complete_under_their_own_id(
    live_server: Served,
) -> None:
    with _open(live_server) as ws:
        _acknowledged(ws)
        for op_id in ("a", "b", "a"):  # an id is free again once its operation completed
            _subscribe(ws, op_id, CAMPUSES)
            assert _result(ws, op_id)["data"]["campuses"]


def test_a_mutation_answers_next_then_complete(live_server: Served) -> None:
    with _open(live_server) as ws:
        _acknowledged(ws)
        _subscribe(ws, "m", LOG_IN, {"email": DEMO_STUDENT, "password": DEMO_PASSWORD})
        result = _result(ws, "m")
    assert result["data"]["userLogIn"]["__typename"] == "AuthPayload"
    assert result["data"]["userLogIn"]["accessToken"]


def test_a_field_error_comes_in_next_with_its_code(live_server: Served) -> None:
    with _open(live_server) as ws:
        _acknowledged(ws)
        _subscribe(ws, "n", '{ node(id: "not-a-global-id") { id } }')
        result = _result(ws, "n")
    for error in result.get("errors", []):
        assert error["extensions"]["code"] not in (None, "INTERNAL_SERVER_ERROR"), error


def test_an_invalid_document_answers_error_with_a_code(live_server: Served) -> None:
    with _open(live_server) as ws:
        _acknowledged(ws)
        _subscribe(ws, "bad", "{ noSuchField }")
        message = _recv(ws)
        assert message["type"] == "error", message
        assert message["id"] == "bad"
        assert message["payload"], "an error message carries a non-empty list of errors"
        codes = {error["extensions"]["code"] for error in message["payload"]}
        assert codes == {"GRAPHQL_VALIDATION_FAILED"}
        # `error` ends the operation: no `complete` follows, the connection stays
        # and the id is free again.
        _send(ws, {"type": "ping"})
        assert _recv(ws) == {"type": "pong"}
        _subscribe(ws, "bad", CAMPUSES)
        assert _result(ws, "bad")["data"]["campuses"]


def test_a_document_that_does_not_parse_closes_with_4400(live_server: Served) -> None:
    # As graphql-ws's reference server does: a syntax error is a bad request.
    with _open(live_server) as ws:
        _acknowledged(ws)
        _subscribe(ws, "bad", "{ campuses { city ")
        code, reason = _closed_with(ws)
    assert code == 4400
    assert reason.startswith("Syntax Error")


def test_a_subscriber_for_an_id_in_use_closes_with_4409(live_server: Served) -> None:
    # A query completes at once; a subscription to `__typename` would too. Two
    # subscribes sent back to back on one id let the second arrive while the
    # first is still running, unless the server answers the first in between.
    slow = (
        "{ courses(first: 50) { edges { node { title"
        " sessions(first: 20) { edges { node { id } } } } } } }"
    )
    with _open(live_server) as ws:
        _acknowledged(ws)
        ws.send(
            json.dumps({"id": "same", "type": "subscribe", "payload": {"query": slow}}),
        )
        ws.send(
            json.dumps({"id": "same", "type": "subscribe", "payload": {"query": slow}}),
        )
        code, reason = _closed_with(ws)
    assert (code, reason) == (4409, "Subscriber for same already exists")


def test_complete_from_the_client_for_an_unknown_id_is_ignored(live_server: Served) -> None:
    with _open(live_server) as ws:
        _acknowledged(ws)
        _send(ws, {"id": "never-started", "type": "complete"})
        _send(ws, {"type": "ping"})
        assert _recv(ws) == {"type": "pong"}
