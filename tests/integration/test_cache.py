"""The cache implementations and the read-through helper, against real Redis and in process."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Mapping

import pytest
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from data.breaker import Breaker, RedisUnavailable
from data.cache import LEASE_SECONDS, Cache, Claim, MemoryCache, ReadThrough, RedisCache


class Stats:
    def __init__(self) -> None:
        self.hit = 0
        self.missed = 0

    def hits(self, count: int) -> None:
        self.hit += count

    def misses(self, count: int) -> None:
        self.missed += count


@pytest.fixture
async def cache(redis_or_none: str | None) -> AsyncIterator[Cache]:
    if redis_or_none is None:
        yield MemoryCache()
        return
    client = Redis.from_url(redis_or_none)
    try:
        yield RedisCache(client, namespace=f"test-{uuid.uuid4().hex}")
    finally:
        await client.aclose()


async def store(cache: Cache, items: dict[str, bytes], ttl_seconds: int = 60) -> None:
    """Fill keys the way readers do: claim their leases, then fill under them."""
    claims = await cache.lease_many(list(items), LEASE_SECONDS)
    await cache.fill_many(
        {k: (c.token, v) for (k, v), c in zip(items.items(), claims, strict=True) if c.token}, ttl_seconds
    )


async def test_values_round_trip_and_missing_keys_are_none(cache: Cache) -> None:
    await store(cache, {"a": b"1", "b": b"2"})

    assert await cache.get_many(["a", "zz", "b"]) == [b"1", None, b"2"]


async def test_invalidated_keys_are_gone(cache: Cache) -> None:
    await store(cache, {"a": b"1", "b": b"2"})

    await cache.invalidate_many(["a"])

    assert await cache.get_many(["a", "b"]) == [None, b"2"]


async def test_a_claim_gets_the_value_a_lease_or_a_wait(cache: Cache) -> None:
    await store(cache, {"filled": b"1"})

    first = await cache.lease_many(["filled", "new"], LEASE_SECONDS)
    second = await cache.lease_many(["new"], LEASE_SECONDS)

    assert first[0] == Claim(value=b"1")
    assert first[1].token is not None
    assert first[1].value is None
    assert second == [Claim()]  # leased to the first claimant: wait for its fill


async def test_only_the_lease_holder_fills(cache: Cache) -> None:
    (lease,) = await cache.lease_many(["a"], LEASE_SECONDS)
    assert lease.token is not None

    await cache.fill_many({"a": ("not-the-token", b"intruder")}, ttl_seconds=60)
    intruded = await cache.get_many(["a"])
    await cache.fill_many({"a": (lease.token, b"mine")}, ttl_seconds=60)
    await cache.fill_many({"a": (lease.token, b"again")}, ttl_seconds=60)  # a lease fills once

    assert intruded == [None]
    assert await cache.get_many(["a"]) == [b"mine"]


async def test_a_stale_fill_after_an_invalidation_is_refused(cache: Cache) -> None:
    """A reader that loaded the row before a write committed must not put the old value back."""
    (lease,) = await cache.lease_many(["a"], LEASE_SECONDS)
    assert lease.token is not None
    await cache.invalidate_many(["a"])  # the write commits while the reader is loading

    await cache.fill_many({"a": (lease.token, b"old")}, ttl_seconds=60)
    (after,) = await cache.lease_many(["a"], LEASE_SECONDS)

    assert await cache.get_many(["a"]) == [None]
    assert after.token is not None  # the next reader may load the new value


async def test_an_abandoned_lease_expires() -> None:
    now = [0.0]
    cache = MemoryCache(clock=lambda: now[0])
    (abandoned,) = await cache.lease_many(["a"], LEASE_SECONDS)
    now[0] = LEASE_SECONDS + 0.1

    (taken_over,) = await cache.lease_many(["a"], LEASE_SECONDS)
    await cache.fill_many({"a": (str(abandoned.token), b"late")}, ttl_seconds=60)

    assert taken_over.token is not None
    assert taken_over.token != abandoned.token
    assert await cache.get_many(["a"]) == [None]


async def test_redis_leases_expire(redis_url: str) -> None:
    client = Redis.from_url(redis_url)
    try:
        cache = RedisCache(client, namespace=f"test-{uuid.uuid4().hex}")
        await cache.lease_many(["a"], 0.05)
        held = await cache.lease_many(["a"], 0.05)
        await asyncio.sleep(0.1)
        expired = await cache.lease_many(["a"], 0.05)
    finally:
        await client.aclose()

    assert held == [Claim()]
    assert expired[0].token is not None


async def test_namespaces_do_not_see_each_other(redis_url: str) -> None:
    client = Redis.from_url(redis_url)
    try:
        one = RedisCache(client, namespace=f"one-{uuid.uuid4().hex}")
        two = RedisCache(client, namespace=f"two-{uuid.uuid4().hex}")
        await store(one, {"k": b"1"})

        assert await two.get_many(["k"]) == [None]
    finally:
        await client.aclose()


async def test_memory_entries_expire() -> None:
    now = [100.0]
    cache = MemoryCache(clock=lambda: now[0])
    await store(cache, {"a": b"1"}, ttl_seconds=10)

    now[0] = 109.9
    assert await cache.get_many(["a"]) == [b"1"]
    now[0] = 110.0
    assert await cache.get_many(["a"]) == [None]


async def test_memory_cache_evicts_the_least_recently_used() -> None:
    cache = MemoryCache(max_entries=2)
    await store(cache, {"a": b"1", "b": b"2"})
    await cache.get_many(["a"])

    await store(cache, {"c": b"3"})

    assert await cache.get_many(["a", "b", "c"]) == [b"1", None, b"3"]


async def test_read_through_loads_only_misses_and_counts_them(cache: Cache) -> None:
    stats = Stats()
    loads: list[list[int]] = []
    cached = ReadThrough(cache, ttl_seconds=60, stats=stats)

    async def load(keys: list[int]) -> Mapping[int, str]:
        loads.append(keys)
        return {k: f"v{k}" for k in keys if k != 3}

    def read(keys: list[int]) -> Awaitable[list[str | None]]:
        return cached.get(keys, cache_key=lambda k: f"n:{k}", load=load, encode=str.encode, decode=bytes.decode)

    first = await read([1, 2, 3])
    second = await read([1, 2, 3])

    assert first == ["v1", "v2", None]
    assert second == ["v1", "v2", None]
    assert loads == [[1, 2, 3], [3]]
    assert (stats.hit, stats.missed) == (2, 4)


async def test_a_disabled_read_through_always_loads(cache: Cache) -> None:
    stats = Stats()
    calls = 0
    cached = ReadThrough(cache, ttl_seconds=60, stats=stats, enabled=False)

    async def load(keys: list[int]) -> Mapping[int, str]:
        nonlocal calls
        calls += 1
        return dict.fromkeys(keys, "x")

    for _ in range(2):
        await cached.get([1], cache_key=str, load=load, encode=str.encode, decode=bytes.decode)

    assert calls == 2
    assert (stats.hit, stats.missed) == (0, 0)


async def test_reads_fall_back_to_the_database_when_redis_is_down() -> None:
    stats = Stats()
    unreachable = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    cached = ReadThrough(RedisCache(unreachable, namespace="down"), ttl_seconds=60, stats=stats)

    async def load(keys: list[int]) -> Mapping[int, str]:
        return {k: f"v{k}" for k in keys}

    try:
        found = await cached.get([1, 2], cache_key=str, load=load, encode=str.encode, decode=bytes.decode)
    finally:
        await unreachable.aclose()

    assert found == ["v1", "v2"]


async def test_concurrent_misses_of_one_key_load_it_once(cache: Cache) -> None:
    stats = Stats()
    loads: list[list[int]] = []
    release = asyncio.Event()
    cached = ReadThrough(cache, ttl_seconds=60, stats=stats)

    async def load(keys: list[int]) -> Mapping[int, str]:
        loads.append(keys)
        await release.wait()
        return {k: f"v{k}" for k in keys}

    def read(keys: list[int]) -> Awaitable[list[str | None]]:
        return cached.get(keys, cache_key=lambda k: f"hot:{k}", load=load, encode=str.encode, decode=bytes.decode)

    first = asyncio.ensure_future(read([1]))
    await asyncio.sleep(0.05)
    second = asyncio.ensure_future(read([1, 2]))
    await asyncio.sleep(0.05)
    release.set()

    assert await first == ["v1"]
    assert await second == ["v1", "v2"]
    assert loads == [[1], [2]]


async def test_a_failed_load_fails_its_waiters_and_the_next_read_tries_again(cache: Cache) -> None:
    attempts = 0
    cached = ReadThrough(cache, ttl_seconds=60, stats=Stats())

    async def load(keys: list[int]) -> Mapping[int, str]:
        nonlocal attempts
        attempts += 1
        await asyncio.sleep(0.05)
        if attempts == 1:
            raise ConnectionError("database went away")
        return dict.fromkeys(keys, "ok")

    def read() -> Awaitable[list[str | None]]:
        return cached.get([1], cache_key=lambda k: f"flaky:{k}", load=load, encode=str.encode, decode=bytes.decode)

    results = await asyncio.gather(read(), read(), return_exceptions=True)
    again = await read()

    assert [type(r) for r in results] == [ConnectionError, ConnectionError]
    assert again == ["ok"]
    assert attempts == 2


@pytest.fixture
async def two_processes(redis_url: str) -> AsyncIterator[tuple[ReadThrough, ReadThrough, Cache]]:
    """Two read-throughs on their own Redis connections and one namespace: two API processes' caches."""
    namespace = f"test-{uuid.uuid4().hex}"
    one, two = Redis.from_url(redis_url), Redis.from_url(redis_url)
    try:
        caches = RedisCache(one, namespace=namespace), RedisCache(two, namespace=namespace)
        yield (
            ReadThrough(caches[0], ttl_seconds=60, stats=Stats()),
            ReadThrough(caches[1], ttl_seconds=60, stats=Stats()),
            caches[0],
        )
    finally:
        await one.aclose()
        await two.aclose()


class SlowSource:
    """A data source that takes a while to answer and records every load."""

    def __init__(self, value: str = "v", seconds: float = 0.1) -> None:
        self.value = value
        self.seconds = seconds
        self.loads: list[list[int]] = []

    async def load(self, keys: list[int]) -> Mapping[int, str]:
        self.loads.append(sorted(keys))
        value = self.value  # what the database holds when the read starts
        await asyncio.sleep(self.seconds)
        return {k: f"{value}{k}" for k in keys}

    def read(self, cached: ReadThrough, keys: list[int]) -> Awaitable[list[str | None]]:
        return cached.get(keys, cache_key=lambda k: f"k:{k}", load=self.load, encode=str.encode, decode=bytes.decode)


async def test_a_hot_miss_is_loaded_once_across_processes(
    two_processes: tuple[ReadThrough, ReadThrough, Cache],
) -> None:
    one, two, _ = two_processes
    source = SlowSource()

    found = await asyncio.gather(*(source.read(process, [1]) for process in (one, two) * 10))

    assert found == [["v1"]] * 20
    assert source.loads == [[1]]


async def test_processes_holding_keys_the_other_wants_do_not_wait_on_each_other(
    two_processes: tuple[ReadThrough, ReadThrough, Cache],
) -> None:
    one, two, cache = two_processes
    source = SlowSource(seconds=0.02)
    (lease,) = await cache.lease_many(["k:2"], LEASE_SECONDS)  # process two is loading key 2...
    assert lease.token is not None

    async def process_two() -> list[str | None]:
        first = await source.read(two, [1])  # ...and needs key 1, which process one holds, before it can finish
        await cache.fill_many({"k:2": (str(lease.token), b"v2")}, ttl_seconds=60)
        return first

    reading = asyncio.ensure_future(source.read(one, [1, 2]))
    await asyncio.sleep(0.01)  # process one holds key 1's lease and waits for key 2
    results = await asyncio.wait_for(asyncio.gather(reading, process_two()), timeout=1)

    assert list(results) == [["v1", "v2"], ["v1"]]
    assert source.loads == [[1]]


async def test_a_write_during_a_load_keeps_the_old_value_out_and_waiters_load_the_new(
    two_processes: tuple[ReadThrough, ReadThrough, Cache],
) -> None:
    one, two, cache = two_processes
    source = SlowSource(value="old")
    loading = asyncio.ensure_future(source.read(one, [1]))  # process one reads the database before the write
    await asyncio.sleep(0.02)
    waiting = asyncio.ensure_future(source.read(two, [1]))  # process two waits for process one's fill
    await asyncio.sleep(0.02)
    source.value = "new"
    await cache.invalidate_many(["k:1"])  # the write commits and invalidates

    assert await loading == ["old1"]  # its request began before the write: that answer is allowed
    assert await waiting == ["new1"]  # it must not be given the value loaded before the write
    assert await source.read(one, [1]) == ["new1"]
    assert await cache.get_many(["k:1"]) == [b"new1"]


async def test_a_key_found_missing_or_a_failed_load_releases_its_lease(cache: Cache) -> None:
    """Otherwise the next reader of a product that does not exist would wait the lease out."""
    cached = ReadThrough(cache, ttl_seconds=60, stats=Stats())

    async def nothing(keys: list[int]) -> Mapping[int, str]:
        return {}

    async def broken(keys: list[int]) -> Mapping[int, str]:
        raise ConnectionError("database went away")

    await cached.get([1], cache_key=lambda k: f"gone:{k}", load=nothing, encode=str.encode, decode=bytes.decode)
    with pytest.raises(ConnectionError):
        await cached.get([2], cache_key=lambda k: f"gone:{k}", load=broken, encode=str.encode, decode=bytes.decode)
    claims = await cache.lease_many(["gone:1", "gone:2"], LEASE_SECONDS)

    assert [c.token is not None for c in claims] == [True, True]


# --- a Redis that stops answering -----------------------------------------------------------------------------


async def test_the_breaker_refuses_calls_for_a_while_after_a_failure() -> None:
    now = [0.0]
    breaker = Breaker("test", cool_down_seconds=5, clock=lambda: now[0])

    with pytest.raises(RedisTimeoutError), breaker.guard():
        raise RedisTimeoutError("no answer")
    with pytest.raises(RedisUnavailable), breaker.guard():
        pytest.fail("a refused call must not run")
    with breaker.guard(even_if_open=True):
        pass  # invalidations are still attempted
    now[0] = 5.1
    with breaker.guard():
        pass  # after the cool-down, calls go through again (and closed it)

    assert not breaker.is_open


async def test_an_error_reply_does_not_open_the_breaker() -> None:
    breaker = Breaker("test")

    with pytest.raises(ResponseError), breaker.guard():
        raise ResponseError("WRONGTYPE")

    assert not breaker.is_open


async def test_a_hung_redis_costs_one_timeout_then_reads_go_straight_to_the_database(
    silent_redis: tuple[str, list[int]],
) -> None:
    url, connections = silent_redis
    client = Redis.from_url(url, socket_timeout=0.2, socket_connect_timeout=0.2, retry=Retry(NoBackoff(), 0))
    cached = ReadThrough(RedisCache(client, namespace="hung"), ttl_seconds=60, stats=Stats())
    loads: list[list[int]] = []

    async def load(keys: list[int]) -> Mapping[int, str]:
        loads.append(keys)
        return {k: f"v{k}" for k in keys}

    try:
        found = [
            await cached.get([1, 2], cache_key=str, load=load, encode=str.encode, decode=bytes.decode)
            for _ in range(20)
        ]
    finally:
        await client.aclose()

    assert found == [["v1", "v2"]] * 20
    assert len(loads) == 20
    assert connections[0] == 1  # the first read timed out; the other 19 never touched the network
