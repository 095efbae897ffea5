"""Cross-site request forgery prevention, as Apollo Server does it.

A browser sends a cross-site GET, or a POST with a "simple" content type
(text/plain, form encodings), without asking the server first (no CORS
preflight), so a hostile page could make a signed-in browser run operations.
Such requests run only when they carry a header no simple request can have:
a non-empty `Apollo-Require-Preflight` or `X-Apollo-Operation-Name`. JSON
POSTs always need a preflight, so they pass as they are.
"""

from __future__ import annotations

from starlette.datastructures import Headers, QueryParams

PREFLIGHT_HEADERS = ("apollo-require-preflight", "x-apollo-operation-name")
MESSAGE = (
    "This request has been blocked as a possible cross-site request forgery. Send it as a "
    "POST with `Content-Type: application/json`, or add a non-empty "
    "`Apollo-Require-Preflight` header."
)


def needs_preflight(method: str, headers: Headers, query_params: QueryParams) -> bool:
    """True when the request could run an operation yet no browser had to ask first."""
    if any(headers.get(name, "").strip() for name in PREFLIGHT_HEADERS):
        return False
    if method == "GET":
        # Without parameters a GET only fetches the GraphiQL page.
        return bool(query_params)
    if method == "POST":
        media_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        return "application/json" not in media_type
    return False
