"""Pub/sub in process and through Redis: delivery, isolation, unsubscribe, slow subscribers."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from data import pubsub
from data.breaker import Breaker, RedisUnavailable
from data.pubsub import Broker, MemoryBroker, RedisBroker


@pytest.fixture
async def broker(redis_or_none: str | None) -> AsyncIterator[Broker]:
    if redis_or_none is None:
        yield MemoryBroker()
        return
    client = Redis.from_url(redis_or_none)
    made = RedisBroker(client, namespace=f"test-{uuid.uuid4().hex}")
    try:
        yield made
    finally:
        await made.close()
        await client.aclose()


async def _next(messages: AsyncIterator[bytes]) -> bytes:
    async with asyncio.timeout(5):
        return await anext(messages)


async def test_every_subscriber_of_a_channel_gets_each_message(broker: Broker) -> None:
    async with broker.listen("a") as first, broker.listen("a") as second, broker.listen("b") as other:
        await broker.publish("a", b"hello")
        await broker.publish("b", b"elsewhere")

        assert await _next(first) == b"hello"
        assert await _next(second) == b"hello"
        assert await _next(other) == b"elsewhere"


async def test_leaving_the_context_unsubscribes(broker: Broker) -> None:
    async with broker.listen("a"):
        assert broker.subscriber_count("a") == 1
    assert broker.subscriber_count("a") == 0

    async with broker.listen("a") as again:
        await broker.publish("a", b"after")
        assert await _next(again) == b"after"


async def test_a_slow_subscriber_loses_its_oldest_messages_not_the_newest() -> None:
    broker = MemoryBroker()
    async with broker.listen("a") as slow:
        for n in range(pubsub.QUEUE_SIZE + 10):
            await broker.publish("a", str(n).encode())

        assert await _next(slow) == b"10"


async def test_two_redis_brokers_share_messages(redis_url: str) -> None:
    namespace = f"test-{uuid.uuid4().hex}"
    client = Redis.from_url(redis_url)
    reader, writer = RedisBroker(client, namespace=namespace), RedisBroker(client, namespace=namespace)
    try:
        async with reader.listen("events") as messages:
            await writer.publish("events", b"across processes")
            assert await _next(messages) == b"across processes"
    finally:
        await reader.close()
        await writer.close()
        await client.aclose()


async def test_a_listener_cancelled_while_subscribing_leaves_nothing_behind(broker: Broker) -> None:
    async def listen() -> None:
        async with broker.listen("a"):
            await asyncio.Event().wait()

    task = asyncio.create_task(listen())
    await asyncio.sleep(0)  # inside `listen`: on Redis, waiting for the subscription to be confirmed
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert broker.subscriber_count("a") == 0
    async with broker.listen("a") as again:
        await broker.publish("a", b"after")
        assert await _next(again) == b"after"


async def test_a_hung_redis_costs_a_publisher_one_timeout_then_publishes_fail_at_once(
    silent_redis: tuple[str, list[int]],
) -> None:
    """A publish follows a committed write: while Redis hangs, a mutation must not wait out a timeout each time."""
    url, connections = silent_redis
    publisher = Redis.from_url(url, socket_timeout=0.2, socket_connect_timeout=0.2, retry=Retry(NoBackoff(), 0))
    broker = RedisBroker(publisher, namespace="hung", publisher=publisher, breaker=Breaker("events"))
    failures: list[type[BaseException]] = []
    started = time.monotonic()
    try:
        for _ in range(10):
            try:
                await broker.publish("events:test", b"{}")
            except Exception as error:
                failures.append(type(error))
    finally:
        await broker.close()
        await publisher.aclose()

    assert failures[0] is not RedisUnavailable  # the first waited for its timeout
    assert failures[1:] == [RedisUnavailable] * 9
    assert connections[0] == 1
    assert time.monotonic() - started < 2
