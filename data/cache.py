"""A byte cache with two implementations (Redis, in-process) and the read-through helper loaders use."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from typing import Protocol, TypeVar

from redis.asyncio import Redis

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class CacheStats(Protocol):
    def hits(self, count: int) -> None: ...

    def misses(self, count: int) -> None: ...


class Cache(Protocol):
    """Bytes by string key, with a time to live; shared by every process when it is Redis."""

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]: ...

    async def set_many(self, items: Mapping[str, bytes], ttl_seconds: int) -> None: ...

    async def delete_many(self, keys: Sequence[str]) -> None: ...


class MemoryCache:
    """An in-process LRU cache with expiry, for the embedded mode (one process)."""

    def __init__(self, *, max_entries: int = 50_000, clock: Callable[[], float] = time.monotonic) -> None:
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._max_entries = max_entries
        self._clock = clock

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        now = self._clock()
        found: list[bytes | None] = []
        for key in keys:
            entry = self._entries.get(key)
            if entry is None or entry[0] <= now:
                self._entries.pop(key, None)
                found.append(None)
            else:
                self._entries.move_to_end(key)
                found.append(entry[1])
        return found

    async def set_many(self, items: Mapping[str, bytes], ttl_seconds: int) -> None:
        expires = self._clock() + ttl_seconds
        for key, value in items.items():
            self._entries[key] = (expires, value)
            self._entries.move_to_end(key)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    async def delete_many(self, keys: Sequence[str]) -> None:
        for key in keys:
            self._entries.pop(key, None)

    def clear(self) -> None:
        self._entries.clear()


class RedisCache:
    """The cache on Redis: one MGET per batch, one pipelined write per fill."""

    def __init__(self, redis: Redis, *, namespace: str) -> None:
        self._redis = redis
        self._prefix = f"{namespace}:"

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        if not keys:
            return []
        values = await self._redis.mget([self._prefix + k for k in keys])
        return [v.encode() if isinstance(v, str) else v for v in values]

    async def set_many(self, items: Mapping[str, bytes], ttl_seconds: int) -> None:
        if not items:
            return
        async with self._redis.pipeline(transaction=False) as pipe:
            for key, value in items.items():
                pipe.set(self._prefix + key, value, ex=ttl_seconds)
            await pipe.execute()

    async def delete_many(self, keys: Sequence[str]) -> None:
        if keys:
            await self._redis.delete(*(self._prefix + k for k in keys))


class ReadThrough:
    """Look keys up in the cache, load the misses in one call, and fill the cache with them."""

    def __init__(self, cache: Cache, *, ttl_seconds: int, stats: CacheStats, enabled: bool = True) -> None:
        self.cache = cache
        self.ttl_seconds = ttl_seconds
        self.stats = stats
        self.enabled = enabled

    async def get(
        self,
        keys: Sequence[K],
        *,
        cache_key: Callable[[K], str],
        load: Callable[[list[K]], Awaitable[Mapping[K, V]]],
        encode: Callable[[V], bytes],
        decode: Callable[[bytes], V],
    ) -> list[V | None]:
        """Return the value for each key in order, or `None` where nothing exists."""
        if not self.enabled:
            loaded = await load(list(keys))
            return [loaded.get(k) for k in keys]
        names = [cache_key(k) for k in keys]
        cached = await self.cache.get_many(names)
        results: list[V | None] = [None if raw is None else decode(raw) for raw in cached]
        missing = [k for k, raw in zip(keys, cached, strict=True) if raw is None]
        self.stats.hits(len(keys) - len(missing))
        if not missing:
            return results
        self.stats.misses(len(missing))
        loaded = await load(missing)
        fill: dict[str, bytes] = {}
        for index, (key, raw) in enumerate(zip(keys, cached, strict=True)):
            if raw is None and key in loaded:
                value = loaded[key]
                results[index] = value
                fill[names[index]] = encode(value)
        await self.cache.set_many(fill, self.ttl_seconds)
        return results
