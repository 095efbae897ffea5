"""The GraphQL endpoint: Strawberry's ASGI app with our context and limits."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from datastore.client import Database
from resolvers.context import Context
from server.context import build_context


class LeetoGraphQL(GraphQL[Context, None]):
    def __init__(self, schema: Any, *, database: Database, graphiql: bool) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if graphiql else None,
            allow_queries_via_get=True,
        )
        self.database = database

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        return build_context(self.database, request)
