"""What every resolver receives: built per request by `server.context`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from bson import ObjectId

from cache.policy import CacheOutcome
from cache.tags import entity_tag, type_tag
from datastore.client import Database
from datastore.encryption import FieldCipher
from datastore.loaders import Loaders
from live.broker import Broker
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
    events: Broker | None = None
    jobs: JobQueue | None = None
    # Set by Strawberry from a WebSocket's connection_init payload.
    connection_params: dict[str, Any] | None = None

    # The operation's computed cost, set by the cost limit before execution.
    operation_cost: int | None = None
    # What the operation adds to its HTTP response (rate-limit headers, a status);
    # the GraphQL view copies them onto the response. Unused on WebSockets.
    response_headers: dict[str, str] = field(default_factory=dict)
    response_status: int | None = None

    # The response cache's part: what this operation's writes changed (purged
    # once it ends, see `changed`), and what the cache decided for its response.
    changed_tags: set[str] = field(default_factory=set)
    cache_outcome: CacheOutcome | None = None
    # Set by the response cache for the running operation (see `flush_changes`).
    purge: Callable[[set[str]], Awaitable[None]] | None = field(default=None, repr=False)

    def for_operation(self) -> Context:
        """The state of one operation on a WebSocket connection.

        A connection's context is built at connect and holds what all its
        operations share (database, handles, the connection_init payload). Each
        operation runs on its own copy: the token verified again (it may have
        expired since), fresh loaders (current data and roles), its own cost
        and headers, so operations in flight together never share state.
        """
        return replace(
            self,
            loaders=Loaders(self.db, cipher=self.cipher, batching=self.loaders.batching),
            credentials=self.credentials.renewed(),
            operation_cost=None,
            response_headers={},
            response_status=None,
            changed_tags=set(),
            cache_outcome=None,
            purge=None,
        )

    def changed(self, type_name: str, *ids: object, lists: bool = False) -> None:
        """Called after a write succeeded: these entities of the type changed, and with
        `lists` (or no ids) also which objects of the type lists hold, or their order.
        Cached responses showing them are purged when the operation ends, or at
        `flush_changes`."""
        self.changed_tags.update(entity_tag(type_name, each) for each in ids)
        if lists or not ids:
            self.changed_tags.add(type_tag(type_name))

    async def flush_changes(self) -> None:
        """Purge what this operation changed so far now, not when it ends: before
        an event invites subscribers to read again, so none reads a stale cache."""
        if self.purge is not None and self.changed_tags:
            tags, self.changed_tags = self.changed_tags, set()
            await self.purge(tags)

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
