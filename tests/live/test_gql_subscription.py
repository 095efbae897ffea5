"""Python's `gql` client subscribing over its websockets transport (graphql-transport-ws)
to a real `leeto serve`, with the token in connection_init."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from gql import Client, GraphQLRequest
from gql.transport.websockets import WebsocketsTransport

from server.settings import Settings
from tests.cli import ROOT
from tests.conftest import with_database
from tests.enrollment.enrollment_helpers import Academy, enroll
from tests.serving import serve_env, serving_process

SEATS = """
subscription GqlSeats($id: ID!) {
  sessionSeats(sessionId: $id) { version seatsLeft waitlistLength reason }
}"""


@pytest.fixture(autouse=True)
def quiet_gql() -> Iterator[None]:
    """gql logs every message it sends (connection_init holds the token); the
    suite's log check would rightly refuse that, and the token is the test's own."""
    logger = logging.getLogger("gql")
    level = logger.level
    logger.setLevel(logging.WARNING)
    yield
    logger.setLevel(level)


def test_gql_subscribes_over_websockets(
    academy: Academy, academy_settings: Settings, mongo_uri: str, data_dir: Path
) -> None:
    session = academy.new_session(capacity=1)
    first, second = academy.students[:2]
    env = serve_env(with_database(mongo_uri, academy_settings.database_name), data_dir)
    with serving_process(env) as served:
        url = served.url.replace("http://", "ws://") + "/graphql"

        async def run() -> list[dict[str, Any]]:
            transport = WebsocketsTransport(
                url=url,
                subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
                init_payload={"Authorization": f"Bearer {second.token}"},
            )
            schema = (ROOT / "schema.graphql").read_text()
            received: list[dict[str, Any]] = []
            async with Client(transport=transport, schema=schema) as ws:
                seats = ws.subscribe(GraphQLRequest(SEATS, variable_values={"id": session}))
                received.append(await anext(seats))  # the current state: subscribed
                async with httpx.AsyncClient(base_url=served.url) as http:
                    await enroll(http, first, session)
                    received.append(await anext(seats))
                    await enroll(http, second, session)
                    received.append(await anext(seats))
                await seats.aclose()
            return received

        received = asyncio.run(asyncio.wait_for(run(), 60))
    assert [r["sessionSeats"] for r in received] == [
        {"version": 0, "seatsLeft": 1, "waitlistLength": 0, "reason": "CURRENT"},
        {"version": 2, "seatsLeft": 0, "waitlistLength": 0, "reason": "ENROLLED"},
        {"version": 3, "seatsLeft": 0, "waitlistLength": 1, "reason": "ENROLLED"},
    ]
