"""The GraphQL endpoint: Strawberry's ASGI app with our context and limits."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta
from typing import Any

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException
from graphql import GraphQLError, OperationType, get_operation_ast, parse
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET, UnsetType

from datastore.client import Database
from datastore.encryption import FieldCipher
from live.broker import Broker, InProcessBroker
from observability.metrics import Metrics
from persisted.documents import DocumentPolicy, FreeFormOnly
from persisted.protocol import PersistedQueryError, fold_document_id
from resolvers.account_services import AccountServices
from resolvers.context import Context, JobQueue
from resolvers.errors import Unauthenticated
from resolvers.viewer import Credentials, authorization_from_params, token_refusal
from server import csrf, graphiql_page
from server.context import build_context
from server.draining import Drain
from server.http_caching import with_http_caching
from server.response_media import (
    GRAPHQL_RESPONSE_JSON,
    JSON,
    UNKNOWN_DOCUMENT_STATUS,
    negotiate,
    request_error_status,
)
from server.ws_protocol import LeetoTransportWSHandler

# graphql-transport-ws: how long a socket may wait before connection_init (4408).
DEFAULT_INIT_TIMEOUT = timedelta(seconds=10)


def request_error(message: str, status_code: int, code: str | None = None) -> JSONResponse:
    """A malformed request, answered in GraphQL's error shape instead of plain text."""
    codes = {405: "METHOD_NOT_ALLOWED", 413: "PAYLOAD_TOO_LARGE", 415: "UNSUPPORTED_MEDIA_TYPE"}
    code = code or codes.get(status_code, "BAD_REQUEST")
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": code}}]},
        status_code=status_code,
    )


def _in_media_type(response: Response, media_type: str) -> Response:
    """A GraphQL response (not GraphiQL's page) in the negotiated media type."""
    content_type = response.headers.get("content-type", "")
    if media_type != JSON and content_type.startswith(JSON):
        response.headers["content-type"] = media_type
    response.headers.add_vary_header("Accept")
    return response


# A document that failed these was not worth registering as a persisted query.
_INVALID_DOCUMENT = frozenset({"GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED"})


def _document_is_valid(result: ExecutionResult) -> bool:
    return not any(
        (error.extensions or {}).get("code") in _INVALID_DOCUMENT for error in result.errors or ()
    )


SUBSCRIPTION_OVER_HTTP = (
    "Subscriptions run over a WebSocket on this path (graphql-transport-ws), not over HTTP."
)


def _runs_a_subscription(query: str | None, operation_name: str | None) -> bool:
    """Whether the operation to run is a subscription (Strawberry would start it
    over HTTP and fail). Only documents that mention one are parsed again."""
    if query is None or "subscription" not in query:
        return False
    try:
        document = parse(query)
    except GraphQLError:
        return False  # the pipeline reports the syntax error
    operation = get_operation_ast(document, operation_name)
    return operation is not None and operation.operation == OperationType.SUBSCRIPTION


class LeetoGraphQL(GraphQL[Context, None]):
    graphql_transport_ws_handler_class = LeetoTransportWSHandler

    def __init__(
        self,
        schema: Any,
        *,
        database: Database,
        graphiql: bool,
        cipher: FieldCipher | None = None,
        accounts: AccountServices | None = None,
        documents: DocumentPolicy | None = None,
        metrics: Metrics | None = None,
        drain: Drain | None = None,
        events: Broker | None = None,
        init_timeout: timedelta = DEFAULT_INIT_TIMEOUT,
        loader_batching: bool = True,
        jobs: JobQueue | None = None,
    ) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if graphiql else None,
            allow_queries_via_get=True,
            connection_init_wait_timeout=init_timeout,
        )
        self.database = database
        self.cipher = cipher
        self.accounts = accounts
        self.jobs = jobs
        self.documents: DocumentPolicy = documents or FreeFormOnly()
        self.metrics = metrics or Metrics()
        self.drain = drain or Drain()
        self.loader_batching = loader_batching
        self.events: Broker = events or InProcessBroker()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            self.metrics.websockets.inc()
            try:
                await super().__call__(scope, receive, send)
            finally:
                self.metrics.websockets.dec()
                self.drain.forget(scope)
            return
        request = Request(scope=scope, receive=receive)
        media_type = negotiate(request.headers.get("accept"))
        if csrf.needs_preflight(request.method, request.headers, request.query_params):
            refusal = request_error(csrf.MESSAGE, 400)
            await _in_media_type(refusal, media_type)(scope, receive, send)
            return
        context = self.context_for(request)
        try:
            response = await self.run(request, context=context)
        except HTTPException as exc:
            status = 415 if exc.reason == "Unsupported content type" else exc.status_code
            response = request_error(exc.reason, status)
        except PersistedQueryError as exc:
            status = exc.status_code
            if media_type == GRAPHQL_RESPONSE_JSON and status < 400:
                status = UNKNOWN_DOCUMENT_STATUS
            response = request_error(exc.message, status, exc.code)
        else:
            # What the operation decided about its response (rate-limit headers,
            # 429, a request error's status under graphql-response+json).
            response.headers.update(context.response_headers)
            if context.response_status is not None:
                response.status_code = context.response_status
        response = with_http_caching(request, response, context.cache_outcome)
        await _in_media_type(response, media_type)(scope, receive, send)

    def encode_json(self, data: object) -> str:
        """Responses and WebSocket messages, through orjson (several times faster on
        a large page). Non-ASCII text goes out as UTF-8 rather than \\u escapes, which
        JSON readers decode to the same strings. A value orjson refuses (an integer
        beyond 64 bits from a JSON scalar, say) falls back to the standard encoder.
        A str, not bytes: Strawberry sends bytes over a WebSocket as a binary frame,
        which graphql-transport-ws forbids."""
        try:
            return orjson.dumps(data).decode()
        except orjson.JSONEncodeError:
            return json.dumps(data, separators=(",", ":"))

    def decode_json(self, data: str | bytes) -> object:
        # Also reads WebSocket messages, whose shape the protocol handler checks.
        return orjson.loads(data)

    def parse_json(self, data: str | bytes) -> Any:
        # Strawberry assumes an object (or a batch list) and fails with a 500 on
        # any other JSON value; invalid UTF-8 raises orjson's JSONDecodeError,
        # which Strawberry already answers with a 400.
        decoded = super().parse_json(data)
        if not isinstance(decoded, dict | list):
            raise HTTPException(400, "Expected a JSON object with a `query`.")
        if isinstance(decoded, dict):
            if not isinstance(decoded.get("operationName"), str | None):
                raise HTTPException(400, "`operationName` must be a string or null, if provided.")
            return fold_document_id(decoded)
        return decoded

    def should_render_graphql_ide(self, request: Any) -> bool:
        # A GET without `query` that names a persisted document is an operation.
        params = request.query_params
        if params.get("extensions") is not None or params.get("documentId") is not None:
            return False
        return bool(super().should_render_graphql_ide(request))

    async def render_graphql_ide(self, request: Request) -> Response:
        # Our own page, on assets this server serves (Strawberry's loads a CDN's).
        return graphiql_page.page(request.url.path)

    def parse_query_params(self, params: Any) -> dict[str, Any]:
        return fold_document_id(super().parse_query_params(params))

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: Context,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """Run the document the request sent, or the persisted one it named by hash."""
        resolution = await self.documents.resolve(request_data.query, request_data.extensions)
        if _runs_a_subscription(resolution.query, request_data.operation_name):
            raise HTTPException(400, SUBSCRIPTION_OVER_HTTP)
        result = await super().execute_single(
            request,
            request_adapter,
            sub_response,
            context,
            root_value,
            dataclasses.replace(request_data, query=resolution.query),
        )
        if (
            resolution.register_as is not None
            and resolution.query is not None
            and _document_is_valid(result)
        ):
            await self.documents.register(resolution.register_as, resolution.query)
        if negotiate(request.headers.get("accept")) == GRAPHQL_RESPONSE_JSON:
            status = request_error_status(result)
            if status is not None and context.response_status is None:
                context.response_status = status
                if status == 401:
                    context.response_headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        return result

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        response = await super().process_result(request, result)
        if (
            negotiate(request.headers.get("accept")) == GRAPHQL_RESPONSE_JSON
            and request_error_status(result) is not None
        ):
            # The request failed before execution: no `data` entry, not even null.
            response.pop("data", None)
        return response

    async def create_websocket_response(
        self, request: WebSocket, subprotocol: str | None
    ) -> WebSocket:
        websocket = await super().create_websocket_response(request, subprotocol)
        self.drain.track(websocket)  # closed with 1001 when the server shuts down
        return websocket

    def context_for(self, request: Request | WebSocket) -> Context:
        return build_context(
            self.database,
            request,
            cipher=self.cipher,
            accounts=self.accounts,
            events=self.events,
            loader_batching=self.loader_batching,
            jobs=self.jobs,
        )

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> Context:
        return self.context_for(request)

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """Browsers cannot set headers on a WebSocket: the token comes in connection_init.

        A bad token refuses the connection (close code 4403) rather than
        leaving it anonymous.
        """
        authorization = authorization_from_params(context.connection_params)
        if authorization is not None:
            tokens = self.accounts.access_tokens if self.accounts is not None else None
            context.credentials = Credentials(authorization, tokens)
        try:
            context.viewer()
        except Unauthenticated as exc:
            raise ConnectionRejectionError(
                {"message": exc.message, "reason": token_refusal(exc)}
            ) from None
        unset: UnsetType = UNSET
        return unset
