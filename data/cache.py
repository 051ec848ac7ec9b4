"""A byte cache with two implementations (Redis, in-process) and the read-through helper loaders use."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from typing import NamedTuple, Protocol, TypeVar, cast

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from data.breaker import Breaker, RedisUnavailable

log = structlog.get_logger(__name__)

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class CacheStats(Protocol):
    def hits(self, count: int) -> None: ...

    def misses(self, count: int) -> None: ...


# A process that misses a key takes a lease on it before reading the database, and may fill the key only while it
# still holds that lease. An invalidation drops the value and the lease together, so a reader that loaded the old
# row just before a write committed cannot put it back (the stale-set race), and every other process that misses
# the key meanwhile waits for the one load instead of reading the database too (the stampede on a hot miss).
LEASE_SECONDS = 2.0


class Claim(NamedTuple):
    """The answer to a claim on a missing key: its value (someone filled it meanwhile), a lease token (ours to
    load and fill), or neither (another process holds the lease: wait for its fill)."""

    value: bytes | None = None
    token: str | None = None


class Cache(Protocol):
    """Bytes by string key, with a time to live; shared by every process when it is Redis."""

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        """Return each key's value, or `None` when absent, expired or invalidated."""
        ...

    async def lease_many(self, keys: Sequence[str], lease_seconds: float) -> list[Claim]:
        """Claim missing keys for loading: each comes back with its value, our lease, or neither."""
        ...

    async def fill_many(self, items: Mapping[str, tuple[str, bytes | None]], ttl_seconds: int) -> None:
        """Store loaded values, each by its lease token (key → (token, value)), and release the leases; where a
        lease was lost to an invalidation or expired, nothing is stored. A `None` value (nothing found, or the
        load failed) only releases the lease, so that the next reader loads at once instead of waiting."""
        ...

    async def invalidate_many(self, keys: Sequence[str]) -> None:
        """Drop keys, and any lease on them, after a committed write."""
        ...

    async def put(self, key: str, value: bytes, ttl_seconds: int) -> None:
        """Store a value whatever is there (for values owned by one writer, such as versions)."""
        ...


class MemoryCache:
    """An in-process LRU cache with expiry and leases, for the embedded mode (one process)."""

    def __init__(self, *, max_entries: int = 50_000, clock: Callable[[], float] = time.monotonic) -> None:
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._leases: dict[str, tuple[str, float]] = {}
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
            if value is not None:
                self._entries.move_to_end(key)
            found.append(value)
        return found

    async def lease_many(self, keys: Sequence[str], lease_seconds: float) -> list[Claim]:
        now = self._clock()
        token = uuid.uuid4().hex
        claims: list[Claim] = []
        for key in keys:
            value = self._live(key, now)
            lease = self._leases.get(key)
            if value is not None:
                claims.append(Claim(value=value))
            elif lease is not None and lease[1] > now:
                claims.append(Claim())
            else:
                self._leases[key] = (token, now + lease_seconds)
                claims.append(Claim(token=token))
        return claims

    async def fill_many(self, items: Mapping[str, tuple[str, bytes | None]], ttl_seconds: int) -> None:
        now = self._clock()
        for key, (token, value) in items.items():
            lease = self._leases.get(key)
            if lease is None or lease[0] != token or lease[1] <= now:
                continue
            del self._leases[key]
            if value is not None:
                self._entries[key] = (now + ttl_seconds, value)
                self._entries.move_to_end(key)
        while len(self._entries) > self._max_entries:
            self._entries.popitem(last=False)

    async def invalidate_many(self, keys: Sequence[str]) -> None:
        for key in keys:
            self._entries.pop(key, None)
            self._leases.pop(key, None)

    async def put(self, key: str, value: bytes, ttl_seconds: int) -> None:
        self._entries[key] = (self._clock() + ttl_seconds, value)
        self._entries.move_to_end(key)

    def clear(self) -> None:
        self._entries.clear()
        self._leases.clear()


# KEYS: the value keys, then their lease keys. ARGV: a new token, the lease in milliseconds.
# Returns a flat array, two entries per key: 1 and the value; 2 and "" (leased to the caller); 3 and "" (wait).
_LEASE = """
local n = #KEYS / 2
local out = {}
for i = 1, n do
  local value = redis.call('GET', KEYS[i])
  if value then
    out[#out + 1] = 1
    out[#out + 1] = value
  elseif redis.call('SET', KEYS[n + i], ARGV[1], 'NX', 'PX', ARGV[2]) then
    out[#out + 1] = 2
    out[#out + 1] = ''
  else
    out[#out + 1] = 3
    out[#out + 1] = ''
  end
end
return out
"""

# KEYS: the value keys, then their lease keys. ARGV: the TTL in seconds, then per key a token, "1" (store) or "0"
# (only release), and a value. Only while a lease still holds the caller's token: store, and release the lease.
_FILL = """
local n = #KEYS / 2
for i = 1, n do
  if redis.call('GET', KEYS[n + i]) == ARGV[3 * i - 1] then
    if ARGV[3 * i] == '1' then
      redis.call('SET', KEYS[i], ARGV[3 * i + 1], 'EX', ARGV[1])
    end
    redis.call('DEL', KEYS[n + i])
  end
end
return 0
"""


class RedisCache:
    """The cache on Redis: one MGET per batch; leases and fills as one Lua script per batch (atomic, one round
    trip). A batch's keys must live on one node: a single Redis, or a primary with replicas, not a cluster."""

    def __init__(self, redis: Redis, *, namespace: str, breaker: Breaker | None = None) -> None:
        self._redis = redis
        self._breaker = breaker or Breaker("cache")
        self._prefix = f"{namespace}:"
        self._lease_prefix = f"{namespace}:lease:"
        self._lease = redis.register_script(_LEASE)
        self._fill = redis.register_script(_FILL)

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        if not keys:
            return []
        with self._breaker.guard():
            values = await self._redis.mget([self._prefix + k for k in keys])
        return [_as_bytes(v) for v in values]

    async def lease_many(self, keys: Sequence[str], lease_seconds: float) -> list[Claim]:
        if not keys:
            return []
        names = [self._prefix + k for k in keys] + [self._lease_prefix + k for k in keys]
        token = uuid.uuid4().hex
        with self._breaker.guard():
            flat = await self._lease(keys=names, args=[token, int(lease_seconds * 1000)])
        claims: list[Claim] = []
        for kind, value in zip(flat[::2], flat[1::2], strict=True):
            kind = int(kind)
            claims.append(Claim(value=_as_bytes(value)) if kind == 1 else Claim(token=token) if kind == 2 else Claim())
        return claims

    async def fill_many(self, items: Mapping[str, tuple[str, bytes | None]], ttl_seconds: int) -> None:
        if not items:
            return
        names = [self._prefix + k for k in items] + [self._lease_prefix + k for k in items]
        args: list[str | bytes | int] = [ttl_seconds]
        for token, value in items.values():
            args.extend((token, "0", b"") if value is None else (token, "1", value))
        with self._breaker.guard():
            await self._fill(keys=names, args=args)

    async def invalidate_many(self, keys: Sequence[str]) -> None:
        if not keys:
            return
        with self._breaker.guard(even_if_open=True):  # a write's invalidation is always attempted
            await self._redis.delete(*(self._prefix + k for k in keys), *(self._lease_prefix + k for k in keys))

    async def put(self, key: str, value: bytes, ttl_seconds: int) -> None:
        with self._breaker.guard(even_if_open=True):  # versions, after a write: always attempted
            await self._redis.set(self._prefix + key, value, ex=ttl_seconds)


def _log_failure(event: str, error: BaseException) -> None:
    """Log a failed cache call, except one the breaker refused: it logged the outage once already."""
    if not isinstance(error, RedisUnavailable):
        log.warning(event, exc_info=error)


def _as_bytes(value: bytes | str | None) -> bytes | None:
    return value.encode() if isinstance(value, str) else value


class ReadThrough:
    """Look keys up in the cache, load the misses in one call, and fill the cache with them.

    A miss is loaded once however many ask for it: within a process, later callers await the first caller's load;
    across processes, the first to claim the key's lease loads it while the others poll the cache for its fill
    (for at most about `LEASE_SECONDS`, after which they load it themselves without filling).
    """

    def __init__(self, cache: Cache, *, ttl_seconds: int, stats: CacheStats, enabled: bool = True) -> None:
        self.cache = cache
        self.ttl_seconds = ttl_seconds
        self.stats = stats
        self.enabled = enabled
        # Misses being loaded now, by cache key: a concurrent request for the same key waits for that load
        # instead of starting its own.
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
        except (RedisError, OSError) as error:
            # A cache outage slows reads down; it must not fail them. /readyz reports the outage.
            _log_failure("cache.read_failed", error)
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
            await self._load(mine, keys=keys, names=names, results=results, load=load, encode=encode, decode=decode)
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
        decode: Callable[[bytes], V],
    ) -> None:
        """Load misses under their leases, in rounds: claim them, load and fill the ones leased to us, then poll
        for the ones leased elsewhere (5 ms, doubling to 50 ms) until they are filled or can be claimed. Loading
        ours before waiting means two processes that each hold a key the other wants never wait on each other.
        Past twice the lease, what is still leased elsewhere is loaded without a lease, so not filled."""
        loop = asyncio.get_running_loop()
        futures = {names[i]: loop.create_future() for i in indexes}
        self._loading.update(futures)

        def settle(i: int, value: V | None) -> None:
            results[i] = value
            futures[names[i]].set_result(value)

        try:
            deadline = loop.time() + 2 * LEASE_SECONDS
            pending, delay = indexes, 0.005
            while pending:
                # The lease is taken before the database is read: that order makes a stale fill impossible.
                claims = await self._lease([names[i] for i in pending])
                ours: dict[int, str | None] = {}
                elsewhere: list[int] = []
                for i, claim in zip(pending, claims, strict=True):
                    if claim is None:  # the cache is unreachable: load, fill nothing
                        ours[i] = None
                    elif claim.value is not None:
                        settle(i, decode(claim.value))
                    elif claim.token is not None:
                        ours[i] = claim.token
                    else:
                        elsewhere.append(i)
                if elsewhere and loop.time() + delay > deadline:
                    ours.update(dict.fromkeys(elsewhere))
                    elsewhere = []
                if ours:
                    leased = {names[i]: token for i, token in ours.items() if token is not None}
                    try:
                        loaded = await load([keys[i] for i in ours])
                    except BaseException:
                        # Release the leases, so the next reader tries at once instead of waiting them out.
                        await asyncio.shield(self._fill({name: (token, None) for name, token in leased.items()}))
                        raise
                    fill: dict[str, tuple[str, bytes | None]] = {}
                    for i, token in ours.items():
                        settle(i, loaded.get(keys[i]))
                        if token is not None:
                            fill[names[i]] = (token, encode(loaded[keys[i]]) if keys[i] in loaded else None)
                    await self._fill(fill)
                if elsewhere:
                    await asyncio.sleep(delay)
                pending, delay = elsewhere, min(delay * 2, 0.05)
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

    async def _lease(self, names: list[str]) -> Sequence[Claim | None]:
        try:
            return await self.cache.lease_many(names, LEASE_SECONDS)
        except (RedisError, OSError) as error:
            _log_failure("cache.lease_failed", error)
            return [None] * len(names)

    async def _fill(self, items: Mapping[str, tuple[str, bytes | None]]) -> None:
        try:
            await self.cache.fill_many(items, self.ttl_seconds)
        except (RedisError, OSError) as error:
            _log_failure("cache.fill_failed", error)

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
