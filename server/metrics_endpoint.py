"""`/metrics` for Prometheus: off, open, or behind a bearer token (settings)."""

from __future__ import annotations

import hmac

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from observability.metrics import Metrics
from server.settings import MetricsAccess, Settings

BEARER = "bearer "


def _authorized(request: Request, token: str) -> bool:
    given = request.headers.get("authorization", "")
    if given[: len(BEARER)].lower() != BEARER:
        return False
    return hmac.compare_digest(given[len(BEARER) :].strip().encode(), token.encode())


def metrics_route(metrics: Metrics, settings: Settings) -> Route | None:
    access = settings.metrics_access
    if access is MetricsAccess.OFF:
        return None
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else None

    async def scrape(request: Request) -> Response:
        if access is MetricsAccess.TOKEN and (token is None or not _authorized(request, token)):
            return JSONResponse(
                {
                    "errors": [
                        {
                            "message": "A bearer token is required.",
                            "extensions": {"code": "UNAUTHENTICATED"},
                        }
                    ]
                },
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        return Response(metrics.render(), media_type=metrics.content_type)

    return Route("/metrics", scrape, methods=["GET"])
