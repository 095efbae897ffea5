"""Builds each request's Context: the database, fresh loaders, the request id,
the presented credentials and the process-wide security handles."""

from __future__ import annotations

from starlette.requests import Request
from starlette.websockets import WebSocket

from datastore.client import Database
from datastore.encryption import FieldCipher
from datastore.loaders import Loaders
from live.broker import Broker
from resolvers.account_services import AccountServices
from resolvers.context import Context, JobQueue
from resolvers.viewer import Credentials
from server.request_id import request_id_of

UNKNOWN_ADDRESS = "unknown"


def client_address(request: Request | WebSocket) -> str:
    """The peer address from the ASGI scope.

    Behind a reverse proxy this is the proxy, unless uvicorn runs with
    --proxy-headers (as `leeto serve` does) and the proxy is listed in
    FORWARDED_ALLOW_IPS: then uvicorn puts the X-Forwarded-For client here.
    """
    return request.client.host if request.client else UNKNOWN_ADDRESS


def build_context(
    db: Database,
    request: Request | WebSocket,
    *,
    cipher: FieldCipher | None = None,
    accounts: AccountServices | None = None,
    loader_batching: bool = True,
    events: Broker | None = None,
    jobs: JobQueue | None = None,
) -> Context:
    tokens = accounts.access_tokens if accounts is not None else None
    return Context(
        db=db,
        loaders=Loaders(db, cipher=cipher, batching=loader_batching),
        request_id=request_id_of(request.scope),
        credentials=Credentials(request.headers.get("authorization"), tokens),
        client_address=client_address(request),
        cipher=cipher,
        accounts=accounts,
        events=events,
        jobs=jobs,
    )
