"""A budget of cost points per window per client, counted by the `limits` library.

Fixed windows, as GitHub's GraphQL API counts its 5,000 points an hour: the
window starts with a client's first operation and resets as a whole. Counters
live in process memory, or in Redis when several processes must share them
(`limits` ships both storages, with expiry, so no counter is written by hand).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from limits import RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import FixedWindowRateLimiter

log = logging.getLogger("leeto.ratelimit")

KEY_PREFIX = "leeto-cost"
REDIS_TIMEOUT_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class Charge:
    """The outcome of charging one operation to a client's budget."""

    allowed: bool
    cost: int
    limit: int
    remaining: int
    reset_at: float  # epoch seconds when the window ends

    @property
    def used(self) -> int:
        return self.limit - self.remaining

    @property
    def reset_epoch(self) -> int:
        return math.ceil(self.reset_at)

    def retry_after(self, now: float | None = None) -> int:
        """Whole seconds until the window resets (at least 1)."""
        current = time.time() if now is None else now
        return max(1, math.ceil(self.reset_at - current))


def storage_for(redis_url: str | None) -> Storage:
    """Process memory, or Redis through redis-py's asyncio client."""
    if redis_url is None:
        return MemoryStorage()
    return RedisStorage(
        f"async+{redis_url}",
        implementation="redispy",
        key_prefix=KEY_PREFIX,
        wrap_exceptions=True,
        # An unreachable Redis must not hold requests for the OS's TCP timeout.
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
    )


class CostBudget:
    """`points` per `window_seconds` for each client key."""

    def __init__(self, *, points: int, window_seconds: int, storage: Storage) -> None:
        self.item = RateLimitItemPerSecond(points, window_seconds)
        self.storage = storage
        self.limiter = FixedWindowRateLimiter(storage)

    @property
    def points(self) -> int:
        return int(self.item.amount)

    async def charge(self, client: str, cost: int) -> Charge:
        """Take `cost` points (at least 1) from the client's budget, if they are there.

        An operation that does not fit is refused and charged nothing, so a client
        over budget can still run cheaper operations that fit what is left. The
        check and the charge are two steps: concurrent operations of one client
        may overshoot its budget by at most what they cost together.
        """
        cost = max(1, cost)
        allowed = await self.limiter.test(self.item, client, cost=cost)
        if allowed:
            allowed = await self.limiter.hit(self.item, client, cost=cost)
        stats = await self.limiter.get_window_stats(self.item, client)
        reset_at = stats.reset_time
        if reset_at <= time.time():  # nothing counted yet: a whole window ahead
            reset_at = time.time() + self.item.get_expiry()
        return Charge(
            allowed=allowed,
            cost=cost,
            limit=self.points,
            remaining=int(stats.remaining),
            reset_at=reset_at,
        )

    async def close(self) -> None:
        """Release the Redis connections (memory storage holds none)."""
        if isinstance(self.storage, RedisStorage):
            # The bridge holds the redis-py client it built from the URL.
            client = getattr(self.storage.bridge, "storage", None)
            if client is not None:
                await client.aclose()
