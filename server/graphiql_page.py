"""GraphiQL (development only), from assets Leeto serves itself: no CDN.

The bundles under `server/static/graphiql/vendor` are the pinned npm packages'
prebuilt browser builds, copied by `graphiql/vendor.mjs` (licences and
SHA256SUMS beside them); `start.js` mounts GraphiQL with the explorer plugin.
The page has no inline script or style, so its CSP allows scripts and styles
from this origin only.
"""

from __future__ import annotations

import html
from pathlib import Path

from starlette.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

ASSETS_PATH = "/graphiql-assets"
ASSETS_DIR = Path(__file__).parent / "static" / "graphiql"

# Scripts, stylesheets and requests stay on this origin; fonts are data: URLs in
# graphiql.min.css. React and CodeMirror lay the editors out with `style`
# attributes, which `style-src-attr` allows without allowing inline stylesheets.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
    "font-src 'self' data:; img-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)

_STYLES = ("vendor/graphiql.min.css", "vendor/plugin-explorer.css", "page.css")
_SCRIPTS = (
    "vendor/react.production.min.js",
    "vendor/react-dom.production.min.js",
    "vendor/graphiql.min.js",
    "vendor/plugin-explorer.umd.js",
    "start.js",
)


def page(endpoint: str) -> HTMLResponse:
    styles = "\n".join(
        f'    <link rel="stylesheet" href="{ASSETS_PATH}/{name}">' for name in _STYLES
    )
    scripts = "\n".join(f'    <script src="{ASSETS_PATH}/{name}"></script>' for name in _SCRIPTS)
    body = f"""<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Leeto GraphiQL</title>
    <link rel="icon" href="data:,">
{styles}
  </head>
  <body>
    <div id="graphiql" data-endpoint="{html.escape(endpoint)}">Loading GraphiQL…</div>
{scripts}
  </body>
</html>
"""
    return HTMLResponse(body, headers={"content-security-policy": CSP})


def assets() -> StaticFiles:
    return StaticFiles(directory=ASSETS_DIR)
