"""HTTP caching of GET queries: Cache-Control, a weak ETag, and 304 on If-None-Match.

What the response cache decided (`Context.cache_outcome`) becomes headers:
`X-Cache: HIT|MISS` on any method; on GET, `Cache-Control` with the policy's
max age (`public` only for anonymous requests), the ETag of the data, and
`Vary: Authorization`. A GET that is not cacheable says `no-store`, like every
other API answer (server/security_headers.py): HTTP caches do not reuse POSTs.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from cache.policy import CacheOutcome

NO_STORE = "no-store"
_NOT_IN_304 = frozenset({"content-length", "content-type"})


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    if if_none_match is None:
        return False
    if if_none_match.strip() == "*":
        return True
    # Weak comparison (RFC 9110 §8.8.3.2): W/ prefixes do not count.
    wanted = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == wanted for tag in if_none_match.split(","))


def with_http_caching(
    request: Request, response: Response, outcome: CacheOutcome | None
) -> Response:
    if outcome is not None:
        response.headers["X-Cache"] = outcome.status
    if request.method != "GET":
        return response
    response.headers.add_vary_header("Authorization")
    if outcome is None or outcome.etag is None or outcome.cache_control is None:
        response.headers["Cache-Control"] = NO_STORE
        return response
    if response.status_code != 200:
        response.headers["Cache-Control"] = NO_STORE
        return response
    response.headers["Cache-Control"] = outcome.cache_control
    response.headers["ETag"] = outcome.etag
    if not etag_matches(request.headers.get("if-none-match"), outcome.etag):
        return response
    headers = {k: v for k, v in response.headers.items() if k.lower() not in _NOT_IN_304}
    return Response(status_code=304, headers=headers)
