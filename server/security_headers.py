"""Response headers every API answer carries, after OWASP's REST and GraphQL sheets.

GraphQL responses can hold tokens and personal data, so no cache may keep them
(RFC 6749 5.1 asks the same of token responses) unless the response says
otherwise (cacheable GET queries, server/http_caching.py); `nosniff` stops browsers from
guessing a JSON body is something else. No page may frame ours (clickjacking):
`X-Frame-Options` for old browsers, CSP `frame-ancestors` for the rest. A JSON
answer needs nothing a CSP could allow, so it gets `default-src 'none'`; the
GraphiQL page (HTML, development only) sends its own CSP (scripts and styles
from this origin, see server/graphiql_page.py), which is kept; any other HTML
gets `frame-ancestors` alone. HSTS only when an operator says TLS is in front:
sent over plain HTTP it is ignored, and a wrong one locks browsers out.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADERS = (
    (b"cache-control", b"no-store"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
)
CSP_API = b"default-src 'none'; frame-ancestors 'none'"
CSP_PAGE = b"frame-ancestors 'none'"


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, hsts_seconds: int = 0) -> None:
        self.app = app
        self.headers = list(HEADERS)
        if hsts_seconds > 0:
            self.headers.append((b"strict-transport-security", f"max-age={hsts_seconds}".encode()))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower(): value for name, value in headers}
                html = present.get(b"content-type", b"").startswith(b"text/html")
                wanted = [
                    *self.headers,
                    (b"content-security-policy", CSP_PAGE if html else CSP_API),
                ]
                headers += [(name, value) for name, value in wanted if name not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
