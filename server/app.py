"""The ASGI application factory: one MongoDB client, opened and closed in the lifespan."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from pymongo.errors import PyMongoError
from pymongo.monitoring import _EventListener
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.websockets import WebSocketClose

from datastore.client import Client, Database, open_client
from datastore.encryption import FieldCipher
from datastore.indexes import ensure_indexes
from live.broker import Broker, InProcessBroker
from observability.tracing import Tracing
from persisted.documents import (
    AutomaticPersistedQueries,
    DocumentPolicy,
    FreeFormOnly,
    TrustedDocuments,
)
from persisted.manifest import load_manifest
from ratelimit.budget import CostBudget, storage_for
from schema.build import build_schema
from schema.document_limits import DocumentLimits
from server import graphiql_page
from server.auth_setup import account_services_from
from server.background import Background
from server.body_limit import BodyLimitMiddleware
from server.csrf import PREFLIGHT_HEADERS
from server.draining import Drain
from server.graphql_app import LeetoGraphQL
from server.metrics_endpoint import metrics_route
from server.observing import observing
from server.rate_limit import RATE_LIMIT_HEADERS, cost_rate_limit
from server.request_id import RequestIdMiddleware
from server.response_cache import ResponseCache, response_cache_from, response_caching
from server.security import cipher_from, kms_from, passwords_from
from server.security_headers import SecurityHeadersMiddleware
from server.seed import holds_demo_accounts
from server.settings import Settings

log = logging.getLogger("leeto.server")

READY_TIMEOUT_SECONDS = 2.0
MAX_BODY_BYTES = 1_000_000


def _freeze_startup_heap() -> None:
    """Keep what start-up built (schema, driver, modules) out of garbage collection.

    A full collection walks every live object: about 100,000 after start-up,
    30-50 ms on our build machines, during which the event loop answers
    nothing. These objects live as long as the process, so they are collected
    once now and then frozen; later collections walk only newer objects.
    """
    gc.collect()
    gc.freeze()


class _LazyGraphQL:
    """Routes to the GraphQL app built once the lifespan has a database."""

    def __init__(self, drain: Drain) -> None:
        self.app: LeetoGraphQL | None = None
        self.drain = drain

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "websocket" and self.drain.draining:
            await WebSocketClose(code=1001)(scope, receive, send)  # going away
            return
        if self.app is None:
            if scope["type"] == "websocket":
                await WebSocketClose(code=1013)(scope, receive, send)  # try again later
                return
            response = JSONResponse({"errors": [{"message": "Starting up."}]}, status_code=503)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def document_policy(
    settings: Settings, db: Database, trusted: TrustedDocuments | None
) -> DocumentPolicy:
    if trusted is not None:
        return trusted
    if settings.persisted_queries:
        return AutomaticPersistedQueries(db, cache_size=settings.persisted_query_cache_size)
    return FreeFormOnly()


def broker_for(settings: Settings) -> Broker:
    """Events in this process, or shared by every process through Redis."""
    if settings.redis_url is not None:
        # Imported only when used: redis.asyncio loads OpenTelemetry, which costs
        # every process that does not trace (tests/server/test_tracing.py).
        from live.redis_broker import RedisBroker

        return RedisBroker(settings.redis_url, max_queued=settings.subscription_queue_size)
    return InProcessBroker(max_queued=settings.subscription_queue_size)


def create_app(
    settings: Settings,
    *,
    event_listeners: Sequence[_EventListener] = (),
    drain: Drain | None = None,
    tracing: Tracing | None = None,
    freeze_startup_heap: bool = False,
    announce: Callable[[bool], None] | None = None,
    housekeeping: bool = True,
) -> Starlette:
    """The app; `drain` is shared with the server that runs it (graceful shutdown).

    Tracing is on when given, or when OTEL_EXPORTER_OTLP_ENDPOINT is set.
    `freeze_startup_heap` is for a process serving one app (`leeto serve`): see
    `_freeze_startup_heap`. `announce`, once the app is ready, is told whether
    the database holds the demo accounts (always False in production).
    `housekeeping`: run the periodic jobs (outbox sweep, reminders, cleanup)
    here when jobs run in process; one process of several is enough.
    """
    drain = drain or Drain()
    watch = observing(event_listeners, tracing)
    graphql = _LazyGraphQL(drain)
    state: dict[str, Client] = {}
    # Built before serving, so bad key settings stop the process at once.
    accounts = account_services_from(settings, passwords_from(settings))
    master_key = kms_from(settings)  # production without a master key stops here
    trusted = (
        TrustedDocuments(load_manifest(settings.trusted_documents))
        if settings.trusted_documents is not None
        else None
    )

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        client = open_client(settings.database_uri(), event_listeners=watch.listeners)
        state["client"] = client
        cipher: FieldCipher | None = None
        background: Background | None = None
        budget: CostBudget | None = None
        events = broker_for(settings)
        _app.state.events = events
        cache: ResponseCache | None = None
        try:
            db = client[settings.database_name]
            await ensure_indexes(db)
            cipher = cipher_from(settings, client, master_key)
            await cipher.ensure_ready()
            # Jobs, and the schedule that now runs the cleanup (once, not per process).
            background = await Background.start(settings, master_key, schedule=housekeeping)
            if settings.rate_limit_points > 0:
                budget = CostBudget(
                    points=settings.rate_limit_points,
                    window_seconds=settings.rate_limit_window_seconds,
                    storage=storage_for(settings.redis_url),
                )
            cache = response_cache_from(settings)
            schema = build_schema(
                mask_errors=settings.is_production,
                max_tokens=settings.max_query_tokens,
                max_characters=settings.max_query_characters,
                introspection=settings.introspection_enabled,
                limits=DocumentLimits(
                    max_depth=settings.max_query_depth,
                    max_aliases=settings.max_aliases,
                    max_fields=settings.max_query_fields,
                    max_selection_fields=settings.max_selection_fields,
                    max_field_comparisons=settings.max_field_comparisons,
                    max_definitions=settings.max_query_definitions,
                    max_cost=settings.max_query_cost,
                ),
                operation_timeout=settings.operation_timeout_seconds,
                fast_execution=settings.fast_execution,
                # The rate limit first: a cached response is charged like any other.
                extra=[
                    *([cost_rate_limit(budget)] if budget is not None else []),
                    *([response_caching(cache)] if cache is not None else []),
                ],
                observers=watch.observers,
            )
            graphql.app = LeetoGraphQL(
                schema,
                database=db,
                graphiql=settings.graphiql_enabled,
                cipher=cipher,
                accounts=accounts,
                documents=document_policy(settings, db, trusted),
                metrics=watch.metrics,
                drain=drain,
                events=events,
                init_timeout=timedelta(seconds=settings.ws_init_timeout_seconds),
                loader_batching=settings.loader_batching,
                jobs=background.jobs,
            )
            if announce is not None:
                announce(not settings.is_production and await holds_demo_accounts(db, cipher))
            if freeze_startup_heap:
                _freeze_startup_heap()
            log.info("ready: database %s, env %s", settings.database_name, settings.env.value)
            yield
        finally:
            graphql.app = None
            if background is not None:
                await background.close()
            if cipher is not None:
                await cipher.close()
            if budget is not None:
                await budget.close()
            await events.close()
            if cache is not None:
                await cache.close()
            await client.close()
            log.info("stopped: database client closed")
            watch.shutdown()

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_request: Request) -> Response:
        if drain.draining:
            return JSONResponse({"status": "draining"}, status_code=503)
        client = state.get("client")
        if client is None:
            return JSONResponse({"status": "starting"}, status_code=503)
        try:
            async with asyncio.timeout(READY_TIMEOUT_SECONDS):
                await client.admin.command("ping")
        except (PyMongoError, TimeoutError):
            return JSONResponse({"status": "database unavailable"}, status_code=503)
        return JSONResponse({"status": "ready"})

    async def jwks(_request: Request) -> Response:
        # Public keys only; rotated-out keys stay listed while their tokens may live.
        return JSONResponse(
            accounts.access_tokens.jwks(), headers={"Cache-Control": "public, max-age=300"}
        )

    routes = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/.well-known/jwks.json", jwks, methods=["GET"]),
        # Every method reaches the GraphQL app, which answers the wrong ones in JSON.
        Route("/graphql", graphql),
        WebSocketRoute("/graphql", graphql),
    ]
    if settings.graphiql_enabled:
        # GraphiQL's scripts and styles, vendored: the page works offline.
        routes.append(Mount(graphiql_page.ASSETS_PATH, app=graphiql_page.assets()))
    scrape = metrics_route(watch.metrics, settings)
    if scrape is not None:
        routes.append(scrape)
    middleware = [
        Middleware(RequestIdMiddleware),
        Middleware(SecurityHeadersMiddleware, hsts_seconds=settings.hsts_seconds),
        Middleware(BodyLimitMiddleware, max_bytes=MAX_BODY_BYTES),
    ]
    # Browsers on the allowed origins may call the API; tokens travel in the
    # Authorization header, so no cookies are involved. Installed even when no
    # origin is allowed, so that every preflight gets a CORS answer (a refusal)
    # rather than reaching the routes.
    middleware.insert(
        0,
        Middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_origin_regex=settings.cors_origin_regex,
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=[
                "Authorization",
                "Content-Type",
                "X-Request-ID",
                *(name.title() for name in PREFLIGHT_HEADERS),
            ],
            expose_headers=["X-Request-ID", "X-Cache", "ETag", *RATE_LIMIT_HEADERS],
            max_age=600,
        ),
    )
    return Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
