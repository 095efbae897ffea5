"""Serves cacheable queries from the response cache, and purges what writes changed.

Runs as the last schema extension around execution, so a cached response has
passed everything before it like any other: the document checks and limits,
the access-token check, and the rate limit, which charges a hit the
operation's cost like a miss (the cost says what was asked, not what it took).
On a hit the stored data becomes the result and the executor never runs
(no MongoDB command). On a miss, the tags the objects recorded while the
operation ran are added to the policy's list tags, and a response without
errors is stored for its max age.

The key holds the schema version (a hash of its SDL), the document, the
operation name, the variables, and the scope: `anonymous`, or the signed-in
viewer's id. Every signed-in viewer has their own entries, even for public
data, because what the catalogue shows depends on who asks (instructors and
administrators see drafts); anonymous requests share theirs.

After every operation (any transport), the tags its writes named through
`Context.changed` are purged, in this process or in Redis for all of them.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from functools import partial
from typing import Any

import orjson
from graphql import ExecutionResult
from strawberry.extensions import SchemaExtension

from cache.hints import CacheScope
from cache.policy import CacheOutcome, CachePolicy, Policies
from cache.store import MemoryStore, ResponseStore, StoreUnavailable
from cache.tags import collecting
from resolvers.context import Context
from resolvers.errors import Unauthenticated
from server.settings import Settings

log = logging.getLogger("leeto.cache")

HIT = "HIT"
MISS = "MISS"
# Storage trouble means serving uncached, never failing the request.
_STORE_ERRORS = (StoreUnavailable,)


class ResponseCache:
    """Process-wide: the store, the policies of recent documents, the schema version."""

    def __init__(self, store: ResponseStore, *, default_max_age: int) -> None:
        self.store = store
        self.policies = Policies(default_max_age)
        self._versions: dict[int, str] = {}

    def schema_version(self, schema: Any) -> str:
        version = self._versions.get(id(schema))
        if version is None:
            version = hashlib.sha256(schema.as_str().encode()).hexdigest()[:16]
            self._versions[id(schema)] = version
        return version

    async def purge(self, tags: set[str]) -> None:
        if not tags:
            return
        try:
            await self.store.purge(tags)
        except _STORE_ERRORS as exc:
            # Entries holding these tags stay until their max age runs out.
            log.warning("response cache purge failed: %s", type(exc).__name__)

    async def close(self) -> None:
        await self.store.close()


def response_cache_from(settings: Settings) -> ResponseCache | None:
    if not settings.response_cache:
        return None
    store: ResponseStore
    if settings.redis_url is not None:
        # Imported only when used: redis-py brings OpenTelemetry along when installed.
        from cache.redis_store import RedisStore

        store = RedisStore(settings.redis_url)
    else:
        store = MemoryStore(max_bytes=settings.response_cache_max_bytes)
    return ResponseCache(store, default_max_age=settings.response_cache_max_age_seconds)


def response_key(
    version: str, query: str, operation: str | None, variables: Any, scope: str
) -> str:
    digest = hashlib.sha256()
    for part in (version, query, operation or "", scope):
        digest.update(part.encode())
        digest.update(b"\0")
    # The standard library's encoder: any integer, and Infinity distinct from null.
    digest.update(json.dumps(variables or {}, sort_keys=True, default=repr).encode())
    return digest.hexdigest()


def weak_etag(body: bytes) -> str:
    return f'W/"{hashlib.blake2b(body, digest_size=16).hexdigest()}"'


def cache_control(policy: CachePolicy, *, anonymous: bool) -> str:
    # Responses to signed-in requests are never for shared caches (RFC 9111 §3.5).
    shared = policy.scope is CacheScope.PUBLIC and anonymous
    return f"{'public' if shared else 'private'}, max-age={policy.max_age}"


class ResponseCaching(SchemaExtension):
    def __init__(self, *, cache: ResponseCache) -> None:
        super().__init__()
        self.cache = cache

    def cacheable_policy(self) -> CachePolicy | None:
        execution = self.execution_context
        if execution.result is not None or execution.graphql_document is None:
            return None  # refused before execution (token, rate limit)
        if not execution.query:
            return None
        policy = self.cache.policies.policy(
            execution.schema._schema,
            execution.query,
            execution.graphql_document,
            execution.operation_name,
        )
        return policy if policy.cacheable else None

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context.context
        if not isinstance(context, Context):
            yield
            return
        context.purge = self.cache.purge
        try:
            miss = await self.serve_hit(context)
            if miss is None:
                yield
            else:
                with collecting() as seen:
                    yield
                await self.store(context, miss, seen)
        finally:
            await self.cache.purge(context.changed_tags)
            context.changed_tags = set()

    async def serve_hit(self, context: Context) -> _Miss | None:
        """A stored response becomes the result; a miss says how to store the coming one."""
        policy = self.cacheable_policy()
        if policy is None:
            return None
        execution = self.execution_context
        try:
            viewer = context.viewer()
        except Unauthenticated:
            return None
        scope = "anonymous" if viewer is None else f"user:{viewer.user_id}"
        key = response_key(
            self.cache.schema_version(execution.schema),
            execution.query or "",
            execution.operation_name,
            execution.variables,
            scope,
        )
        try:
            found = await self.cache.store.lookup(key)
        except _STORE_ERRORS as exc:
            log.warning("response cache lookup failed: %s", type(exc).__name__)
            return None
        control = cache_control(policy, anonymous=viewer is None)
        if found.body is not None:
            execution.result = ExecutionResult(data=orjson.loads(found.body))
            context.cache_outcome = CacheOutcome(HIT, control, weak_etag(found.body))
            return None
        context.cache_outcome = CacheOutcome(MISS)
        return _Miss(key, policy, control, found.clock)

    async def store(self, context: Context, miss: _Miss, seen: set[str]) -> None:
        result = self.execution_context.result
        if not isinstance(result, ExecutionResult) or result.errors or result.data is None:
            return  # errors are never stored
        body = orjson.dumps(result.data)
        context.cache_outcome = CacheOutcome(MISS, miss.control, weak_etag(body))
        tags = seen | miss.policy.tags
        try:
            await self.cache.store.put(
                miss.key, body, tags=tags, ttl=miss.policy.max_age, since=miss.clock
            )
        except _STORE_ERRORS as exc:
            log.warning("response cache store failed: %s", type(exc).__name__)


@dataclass(frozen=True)
class _Miss:
    key: str
    policy: CachePolicy
    control: str
    clock: int  # the purge clock read before execution (see cache.store)


def response_caching(cache: ResponseCache) -> partial[ResponseCaching]:
    """The extension factory to give the schema (one extension per operation)."""
    return partial(ResponseCaching, cache=cache)
