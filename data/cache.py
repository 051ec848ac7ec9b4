"""A byte cache with two implementations (Redis, in-process) and the read-through helper loaders use."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from typing import Protocol, TypeVar, cast

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

log = structlog.get_logger(__name__)

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class CacheStats(Protocol):
    def hits(self, count: int) -> None: ...

    def misses(self, count: int) -> None: ...


# After a write, an invalidated key holds a tombstone this long. A reader that loaded the old row just before the
# commit cannot put it back meanwhile, because fills only write absent keys (the stale-set race).
TOMBSTONE_SECONDS = 5
_TOMBSTONE = b""


class Cache(Protocol):
    """Bytes by string key, with a time to live; shared by every process when it is Redis."""

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        """Return each key's value, or `None` when absent, expired or invalidated."""
        ...

    async def fill_many(self, items: Mapping[str, bytes], ttl_seconds: int) -> None:
        """Store values loaded from the database, only where the key is absent (never over a tombstone)."""
        ...

    async def invalidate_many(self, keys: Sequence[str]) -> None:
        """Drop keys after a committed write, leaving tombstones that refuse fills for a few seconds."""
        ...

    async def put(self, key: str, value: bytes, ttl_seconds: int) -> None:
        """Store a value whatever is there (for values owned by one writer, such as versions)."""
        ...


class MemoryCache:
    """An in-process LRU cache with expiry, for the embedded mode (one process)."""

    def __init__(self, *, max_entries: int = 50_000, clock: Callable[[], float] = time.monotonic) -> None:
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._max_entries = max_entries
        self._clock = clock

    def _live(self, key: str, now: float) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] <= now:
            del self._entries[key]
            return None
        return entry[1]

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        now = self._clock()
        found: list[bytes | None] = []
        for key in keys:
            value = self._live(key, now)
            if value:
                self._entries.move_to_end(key)
            found.append(value or None)
        return found

    async def fill_many(self, items: Mapping[str, bytes], ttl_seconds: int) -> None:
        now = self._clock()
        for key, value in items.items():
            if self._live(key, now) is None:
                self._entries[key] = (now + ttl_seconds, value)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    async def invalidate_many(self, keys: Sequence[str]) -> None:
        expires = self._clock() + TOMBSTONE_SECONDS
        for key in keys:
            self._entries[key] = (expires, _TOMBSTONE)
            self._entries.move_to_end(key)

    async def put(self, key: str, value: bytes, ttl_seconds: int) -> None:
        self._entries[key] = (self._clock() + ttl_seconds, value)
        self._entries.move_to_end(key)

    def clear(self) -> None:
        self._entries.clear()


class RedisCache:
    """The cache on Redis: one MGET per batch, one pipelined write per fill or invalidation."""

    def __init__(self, redis: Redis, *, namespace: str) -> None:
        self._redis = redis
        self._prefix = f"{namespace}:"

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        if not keys:
            return []
        values = await self._redis.mget([self._prefix + k for k in keys])
        return [(v.encode() if isinstance(v, str) else v) or None for v in values]

    async def fill_many(self, items: Mapping[str, bytes], ttl_seconds: int) -> None:
        if not items:
            return
        async with self._redis.pipeline(transaction=False) as pipe:
            for key, value in items.items():
                pipe.set(self._prefix + key, value, ex=ttl_seconds, nx=True)
            await pipe.execute()

    async def invalidate_many(self, keys: Sequence[str]) -> None:
        if not keys:
            return
        async with self._redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.set(self._prefix + key, _TOMBSTONE, ex=TOMBSTONE_SECONDS)
            await pipe.execute()

    async def put(self, key: str, value: bytes, ttl_seconds: int) -> None:
        await self._redis.set(self._prefix + key, value, ex=ttl_seconds)


class ReadThrough:
    """Look keys up in the cache, load the misses in one call, and fill the cache with them."""

    def __init__(self, cache: Cache, *, ttl_seconds: int, stats: CacheStats, enabled: bool = True) -> None:
        self.cache = cache
        self.ttl_seconds = ttl_seconds
        self.stats = stats
        self.enabled = enabled
        # Misses being loaded now, by cache key: a concurrent request for the same key waits for that load
        # instead of starting its own (no stampede on a hot key from one process).
        self._loading: dict[str, asyncio.Future[object]] = {}

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
        try:
            cached = await self.cache.get_many(names)
        except (RedisError, OSError):
            # A cache outage slows reads down; it must not fail them. /readyz reports the outage.
            log.warning("cache.read_failed", exc_info=True)
            cached = [None] * len(names)
        results: list[V | None] = [None if raw is None else decode(raw) for raw in cached]
        missing = [k for k, raw in zip(keys, cached, strict=True) if raw is None]
        self.stats.hits(len(keys) - len(missing))
        if not missing:
            return results
        self.stats.misses(len(missing))
        waiting = {
            i: self._loading[names[i]] for i, raw in enumerate(cached) if raw is None and names[i] in self._loading
        }
        mine = [i for i, raw in enumerate(cached) if raw is None and i not in waiting]
        if mine:
            await self._load(mine, keys=keys, names=names, results=results, load=load, encode=encode)
        for index, pending in waiting.items():
            results[index] = cast(V | None, await asyncio.shield(pending))
        return results

    async def _load(
        self,
        indexes: list[int],
        *,
        keys: Sequence[K],
        names: list[str],
        results: list[V | None],
        load: Callable[[list[K]], Awaitable[Mapping[K, V]]],
        encode: Callable[[V], bytes],
    ) -> None:
        loop = asyncio.get_running_loop()
        futures = {names[i]: loop.create_future() for i in indexes}
        self._loading.update(futures)
        try:
            loaded = await load([keys[i] for i in indexes])
            fill: dict[str, bytes] = {}
            for i in indexes:
                value = loaded.get(keys[i])
                results[i] = value
                futures[names[i]].set_result(value)
                if keys[i] in loaded:
                    fill[names[i]] = encode(loaded[keys[i]])
            try:
                await self.cache.fill_many(fill, self.ttl_seconds)
            except (RedisError, OSError):
                log.warning("cache.fill_failed", exc_info=True)
        except BaseException as error:
            for future in futures.values():
                if future.done():
                    continue
                if isinstance(error, asyncio.CancelledError):
                    future.cancel()
                else:
                    future.set_exception(error)
                    future.exception()  # mark it retrieved: waiters, if any, still get it
            raise
        finally:
            for name, future in futures.items():
                if self._loading.get(name) is future:
                    del self._loading[name]

    async def get_one(
        self,
        key: str,
        *,
        load: Callable[[], Awaitable[V]],
        encode: Callable[[V], bytes],
        decode: Callable[[bytes], V],
    ) -> V:
        """Return a value that has a single key (a whole small table), loading it on a miss."""

        async def load_one(_: list[int]) -> dict[int, V]:
            return {0: await load()}

        (found,) = await self.get([0], cache_key=lambda _: key, load=load_one, encode=encode, decode=decode)
        assert found is not None  # load_one always answers
        return found
