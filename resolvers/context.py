"""What every resolver receives: built per request by `server.context`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from bson import ObjectId

from datastore.client import Database
from datastore.encryption import FieldCipher
from datastore.loaders import Loaders
from resolvers.account_services import AccountServices
from resolvers.errors import Unauthenticated
from resolvers.viewer import Credentials, Viewer


class JobQueue(Protocol):
    """Background work a write asks for (jobs.queue.Jobs)."""

    async def enrollments_changed(self, session_id: ObjectId) -> None: ...


@dataclass
class Context:
    db: Database
    loaders: Loaders
    request_id: str
    # The Authorization the client presented; see `viewer()`.
    credentials: Credentials = field(default_factory=Credentials.anonymous)
    # The client's address as the ASGI server saw it (behind a proxy, uvicorn's
    # --proxy-headers and FORWARDED_ALLOW_IPS decide whether X-Forwarded-For counts).
    client_address: str = "unknown"
    # Process-wide handles, shared by every request.
    cipher: FieldCipher | None = None
    accounts: AccountServices | None = None
    jobs: JobQueue | None = None
    # Set by Strawberry from a WebSocket's connection_init payload.
    connection_params: dict[str, Any] | None = None

    # The operation's computed cost, set by the cost limit before execution.
    operation_cost: int | None = None
    # What the operation adds to its HTTP response (rate-limit headers, a status);
    # the GraphQL view copies them onto the response. Unused on WebSockets.
    response_headers: dict[str, str] = field(default_factory=dict)
    response_status: int | None = None

    # True while the loaders and credentials were built for the coming operation
    # and nothing has used them yet (an HTTP request's context).
    state_is_fresh: bool = field(default=True, repr=False)

    def begin_operation(self) -> None:
        """Start an operation with fresh per-request state.

        An HTTP request's context is built for its one operation. A WebSocket
        connection runs many on one context, built at connect: each must verify
        the token again (it may have expired since), read current data and roles
        (fresh loaders) and use the current time, exactly like a separate request.
        """
        self.operation_cost = None
        if self.state_is_fresh:
            self.state_is_fresh = False
            return
        self.loaders = Loaders(self.db, cipher=self.cipher)
        self.credentials = self.credentials.renewed()

    def viewer(self) -> Viewer | None:
        """The signed-in user, or None; a bad token raises Unauthenticated."""
        return self.credentials.viewer()

    def require_viewer(self) -> Viewer:
        viewer = self.viewer()
        if viewer is None:
            raise Unauthenticated("Log in to do this.")
        return viewer

    def require_accounts(self) -> AccountServices:
        if self.accounts is None:
            raise RuntimeError("account services are not configured for this context")
        return self.accounts

    def require_cipher(self) -> FieldCipher:
        if self.cipher is None:
            raise RuntimeError("the field cipher is not configured for this context")
        return self.cipher
