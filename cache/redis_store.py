"""The store shared by every server process: entries, tag sets and purge stamps in Redis.

Keys (under one prefix): `e:<hash>` an entry, expiring with its max age;
`t:<tag>` the set of entries holding the tag; `p:<tag>` the clock value of the
tag's last purge; `clock` the purge clock. Storing and purging are Lua scripts,
so the race check of `cache.store` and the write are atomic. The scripts touch
several keys, so this needs one Redis server (or one hash slot), not a cluster.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

from redis.asyncio import Redis
from redis.exceptions import RedisError

from cache.store import PURGE_STAMP_SECONDS, Lookup, StoreUnavailable

PREFIX = "leeto:rc:"

# KEYS: entry, n tag sets, n purge stamps. ARGV: since, ttl, body, n.
_STORE = """
local n = tonumber(ARGV[4])
local since = tonumber(ARGV[1])
for i = 1, n do
  local stamp = redis.call('GET', KEYS[1 + n + i])
  if stamp and tonumber(stamp) > since then return 0 end
end
redis.call('SET', KEYS[1], ARGV[3], 'EX', ARGV[2])
for i = 1, n do
  redis.call('SADD', KEYS[1 + i], KEYS[1])
  if redis.call('TTL', KEYS[1 + i]) < tonumber(ARGV[2]) then
    redis.call('EXPIRE', KEYS[1 + i], ARGV[2])
  end
end
return 1
"""

# KEYS: clock, n tag sets, n purge stamps. ARGV: n, stamp ttl.
_PURGE = """
local n = tonumber(ARGV[1])
local clock = redis.call('INCR', KEYS[1])
for i = 1, n do
  redis.call('SET', KEYS[1 + n + i], clock, 'EX', ARGV[2])
  for _, key in ipairs(redis.call('SMEMBERS', KEYS[1 + i])) do
    redis.call('DEL', key)
  end
  redis.call('DEL', KEYS[1 + i])
end
return clock
"""


@asynccontextmanager
async def _reaching_redis() -> AsyncIterator[None]:
    try:
        yield
    except (RedisError, OSError) as exc:
        raise StoreUnavailable(type(exc).__name__) from exc


class RedisStore:
    def __init__(self, url: str) -> None:
        self.redis: Redis = Redis.from_url(url)
        self._store = self.redis.register_script(_STORE)
        self._purge = self.redis.register_script(_PURGE)

    async def lookup(self, key: str) -> Lookup:
        # One command, one round trip: the entry and the clock.
        async with _reaching_redis():
            body, clock = await self.redis.mget(PREFIX + "e:" + key, PREFIX + "clock")
        return Lookup(body if isinstance(body, bytes) else None, int(clock or 0))

    async def put(
        self, key: str, body: bytes, *, tags: Iterable[str], ttl: int, since: int
    ) -> bool:
        tags = sorted(tags)
        keys = [
            PREFIX + "e:" + key,
            *(PREFIX + "t:" + tag for tag in tags),
            *(PREFIX + "p:" + tag for tag in tags),
        ]
        async with _reaching_redis():
            stored = await self._store(keys=keys, args=[since, ttl, body, len(tags)])
        return bool(stored)

    async def purge(self, tags: Iterable[str]) -> None:
        tags = sorted(tags)
        keys = [
            PREFIX + "clock",
            *(PREFIX + "t:" + tag for tag in tags),
            *(PREFIX + "p:" + tag for tag in tags),
        ]
        async with _reaching_redis():
            await self._purge(keys=keys, args=[len(tags), PURGE_STAMP_SECONDS])

    async def close(self) -> None:
        await self.redis.aclose()
