"""What `leeto serve` prints once it is ready: where to go, and who to sign in as."""

from __future__ import annotations

from collections.abc import Callable

from server.seed import demo_account_lines
from server.settings import Settings

# Addresses that mean "every interface": a browser reaches them on the loopback.
_ANY_ADDRESS = {"0.0.0.0": "127.0.0.1", "::": "[::1]", "": "127.0.0.1"}  # noqa: S104


def base_url(host: str, port: int) -> str:
    """The URL a browser on this machine opens for a server listening on host:port."""
    shown = _ANY_ADDRESS.get(host, host)
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"  # an IPv6 address
    return f"http://{shown}:{port}"


def welcome_lines(settings: Settings, url: str, *, demo_accounts: bool) -> list[str]:
    """GraphiQL (when served), the endpoint, and the demo accounts (never in production)."""
    endpoint = f"{url}/graphql"
    lines = []
    if settings.graphiql_enabled:
        lines.append(f"GraphiQL          {endpoint}  (open it in a browser)")
    lines.append(f"GraphQL endpoint  {endpoint}  (POST JSON)")
    if demo_accounts and not settings.is_production:
        lines += demo_account_lines()
    return lines


def welcome(settings: Settings, url: str) -> Callable[[bool], None]:
    """Prints the welcome once the app knows whether the demo accounts exist."""

    def announce(demo_accounts: bool) -> None:
        print("\n".join(welcome_lines(settings, url, demo_accounts=demo_accounts)), flush=True)

    return announce
