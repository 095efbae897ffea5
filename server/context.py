"""Builds each request's Context: the database, fresh loaders, the request id."""

from __future__ import annotations

from starlette.requests import Request
from starlette.websockets import WebSocket

from datastore.client import Database
from datastore.loaders import Loaders
from resolvers.context import Context
from server.request_id import request_id_of


def build_context(db: Database, request: Request | WebSocket) -> Context:
    return Context(db=db, loaders=Loaders(db), request_id=request_id_of(request.scope))
