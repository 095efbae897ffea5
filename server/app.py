"""The ASGI application factory: one MongoDB client, opened and closed in the lifespan."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from pymongo.errors import PyMongoError
from pymongo.monitoring import _EventListener
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from datastore.client import Client, open_client
from datastore.indexes import ensure_indexes
from schema.build import build_schema
from server.body_limit import BodyLimitMiddleware
from server.graphql_app import LeetoGraphQL
from server.request_id import RequestIdMiddleware
from server.settings import Settings

log = logging.getLogger("leeto.server")

READY_TIMEOUT_SECONDS = 2.0
MAX_BODY_BYTES = 1_000_000


class _LazyGraphQL:
    """Routes to the GraphQL app built once the lifespan has a database."""

    def __init__(self) -> None:
        self.app: LeetoGraphQL | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self.app is None:
            response = JSONResponse({"errors": [{"message": "Starting up."}]}, status_code=503)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def create_app(settings: Settings, *, event_listeners: Sequence[_EventListener] = ()) -> Starlette:
    graphql = _LazyGraphQL()
    state: dict[str, Client] = {}

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        client = open_client(settings.database_uri(), event_listeners=event_listeners)
        state["client"] = client
        try:
            db = client[settings.database_name]
            await ensure_indexes(db)
            schema = build_schema(
                mask_errors=settings.is_production,
                max_depth=settings.max_query_depth,
                max_tokens=settings.max_query_tokens,
                max_aliases=settings.max_aliases,
            )
            graphql.app = LeetoGraphQL(schema, database=db, graphiql=settings.graphiql_enabled)
            log.info("ready: database %s, env %s", settings.database_name, settings.env.value)
            yield
        finally:
            graphql.app = None
            await client.close()

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_request: Request) -> Response:
        client = state.get("client")
        if client is None:
            return JSONResponse({"status": "starting"}, status_code=503)
        try:
            async with asyncio.timeout(READY_TIMEOUT_SECONDS):
                await client.admin.command("ping")
        except (PyMongoError, TimeoutError):
            return JSONResponse({"status": "database unavailable"}, status_code=503)
        return JSONResponse({"status": "ready"})

    routes = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/graphql", graphql, methods=["GET", "POST"]),
    ]
    middleware = [
        Middleware(RequestIdMiddleware),
        Middleware(BodyLimitMiddleware, max_bytes=MAX_BODY_BYTES),
    ]
    return Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
