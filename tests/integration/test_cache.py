"""The cache implementations and the read-through helper, against real Redis and in process."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Mapping

import pytest
from redis.asyncio import Redis

from data.cache import TOMBSTONE_SECONDS, Cache, MemoryCache, ReadThrough, RedisCache


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


async def test_values_round_trip_and_missing_keys_are_none(cache: Cache) -> None:
    await cache.fill_many({"a": b"1", "b": b"2"}, ttl_seconds=60)

    assert await cache.get_many(["a", "zz", "b"]) == [b"1", None, b"2"]


async def test_invalidated_keys_are_gone(cache: Cache) -> None:
    await cache.fill_many({"a": b"1", "b": b"2"}, ttl_seconds=60)

    await cache.invalidate_many(["a"])

    assert await cache.get_many(["a", "b"]) == [None, b"2"]


async def test_a_fill_never_overwrites_a_value(cache: Cache) -> None:
    await cache.fill_many({"a": b"first"}, ttl_seconds=60)

    await cache.fill_many({"a": b"second"}, ttl_seconds=60)

    assert await cache.get_many(["a"]) == [b"first"]


async def test_a_stale_fill_right_after_an_invalidation_is_refused(cache: Cache) -> None:
    """A reader that loaded the row before a write committed must not put the old value back."""
    await cache.fill_many({"a": b"old"}, ttl_seconds=60)
    await cache.invalidate_many(["a"])

    await cache.fill_many({"a": b"old"}, ttl_seconds=60)

    assert await cache.get_many(["a"]) == [None]


async def test_fills_work_again_once_the_tombstone_expires() -> None:
    now = [0.0]
    cache = MemoryCache(clock=lambda: now[0])
    await cache.invalidate_many(["a"])
    now[0] = TOMBSTONE_SECONDS + 0.1

    await cache.fill_many({"a": b"new"}, ttl_seconds=60)

    assert await cache.get_many(["a"]) == [b"new"]


async def test_namespaces_do_not_see_each_other(redis_url: str) -> None:
    client = Redis.from_url(redis_url)
    try:
        one = RedisCache(client, namespace=f"one-{uuid.uuid4().hex}")
        two = RedisCache(client, namespace=f"two-{uuid.uuid4().hex}")
        await one.fill_many({"k": b"1"}, ttl_seconds=60)

        assert await two.get_many(["k"]) == [None]
    finally:
        await client.aclose()


async def test_memory_entries_expire() -> None:
    now = [100.0]
    cache = MemoryCache(clock=lambda: now[0])
    await cache.fill_many({"a": b"1"}, ttl_seconds=10)

    now[0] = 109.9
    assert await cache.get_many(["a"]) == [b"1"]
    now[0] = 110.0
    assert await cache.get_many(["a"]) == [None]


async def test_memory_cache_evicts_the_least_recently_used() -> None:
    cache = MemoryCache(max_entries=2)
    await cache.fill_many({"a": b"1", "b": b"2"}, ttl_seconds=60)
    await cache.get_many(["a"])

    await cache.fill_many({"c": b"3"}, ttl_seconds=60)

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
