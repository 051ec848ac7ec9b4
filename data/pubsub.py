"""Publish/subscribe by channel: in-process for embedded mode, Redis across processes in production.

Either way a process fans messages out to its local subscribers from one place, so 5,000 websocket
subscribers cost one Redis subscription per channel, not one connection each.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Protocol

import structlog
from redis.asyncio import Redis
from redis.asyncio.client import PubSub

from data.breaker import Breaker

log = structlog.get_logger(__name__)

QUEUE_SIZE = 256


class Broker(Protocol):
    async def publish(self, channel: str, message: bytes) -> None: ...

    def listen(self, channel: str) -> contextlib.AbstractAsyncContextManager[AsyncIterator[bytes]]:
        """Receive the channel's messages; the subscription is live once the context is entered."""
        ...

    def subscriber_count(self, channel: str) -> int: ...

    async def close(self) -> None: ...


class _Fanout:
    """Local subscribers by channel, each with a bounded queue (a slow one loses its oldest messages)."""

    def __init__(self) -> None:
        self.queues: dict[str, set[asyncio.Queue[bytes]]] = {}

    def add(self, channel: str) -> tuple[asyncio.Queue[bytes], bool]:
        queue: asyncio.Queue[bytes] = asyncio.Queue(QUEUE_SIZE)
        subscribers = self.queues.setdefault(channel, set())
        subscribers.add(queue)
        return queue, len(subscribers) == 1

    def remove(self, channel: str, queue: asyncio.Queue[bytes]) -> bool:
        subscribers = self.queues.get(channel, set())
        subscribers.discard(queue)
        if subscribers:
            return False
        self.queues.pop(channel, None)
        return True

    def deliver(self, channel: str, message: bytes) -> None:
        for queue in self.queues.get(channel, ()):
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(message)

    def count(self, channel: str) -> int:
        return len(self.queues.get(channel, ()))


async def _drain(queue: asyncio.Queue[bytes]) -> AsyncIterator[bytes]:
    while True:
        yield await queue.get()


class MemoryBroker:
    """Pub/sub inside one process."""

    def __init__(self) -> None:
        self._fanout = _Fanout()

    async def publish(self, channel: str, message: bytes) -> None:
        self._fanout.deliver(channel, message)

    @contextlib.asynccontextmanager
    async def listen(self, channel: str) -> AsyncIterator[AsyncIterator[bytes]]:
        queue, _ = self._fanout.add(channel)
        try:
            yield _drain(queue)
        finally:
            self._fanout.remove(channel, queue)

    def subscriber_count(self, channel: str) -> int:
        return self._fanout.count(channel)

    async def close(self) -> None:
        return None


class RedisBroker:
    """Pub/sub through Redis: one SUBSCRIBE per channel per process, fanned out locally.

    Publishing may use a client of its own with short timeouts (`publisher`) behind a breaker: a publish follows a
    committed write, and while Redis hangs each would otherwise wait out the client's timeout and retries before the
    mutation answers. With the breaker open, a publish fails at once (`RedisUnavailable`): the event is lost, as it
    would be after the timeout, and the caller logs it.
    """

    def __init__(
        self, redis: Redis, *, namespace: str, publisher: Redis | None = None, breaker: Breaker | None = None
    ) -> None:
        self._redis = redis
        self._publisher = publisher or redis
        self._breaker = breaker or Breaker("events")
        self._prefix = f"{namespace}:"
        self._fanout = _Fanout()
        self._pubsub: PubSub | None = None
        self._reader: asyncio.Task[None] | None = None
        self._confirmations: dict[str, asyncio.Future[None]] = {}
        self._lock = asyncio.Lock()

    async def publish(self, channel: str, message: bytes) -> None:
        with self._breaker.guard():
            await self._publisher.publish(self._prefix + channel, message)

    @contextlib.asynccontextmanager
    async def listen(self, channel: str) -> AsyncIterator[AsyncIterator[bytes]]:
        queue: asyncio.Queue[bytes] | None = None
        try:
            async with self._lock:
                queue, first = self._fanout.add(channel)
                if first:
                    await self._subscribe(channel)
            yield _drain(queue)
        finally:
            # Also when cancelled (or failing) while waiting for Redis to confirm: the queue must not stay behind.
            if queue is not None:
                async with self._lock:
                    if self._fanout.remove(channel, queue) and self._pubsub is not None:
                        await self._pubsub.unsubscribe(self._prefix + channel)

    async def _subscribe(self, channel: str) -> None:
        if self._pubsub is None:
            self._pubsub = self._redis.pubsub()
        confirmed = asyncio.get_running_loop().create_future()
        self._confirmations[channel] = confirmed
        await self._pubsub.subscribe(self._prefix + channel)
        if self._reader is None or self._reader.done():
            self._reader = asyncio.create_task(self._read(self._pubsub), name="vitrine-pubsub-reader")
        # Wait for Redis to confirm, so a publish right after entering the context is not missed. Not with
        # `asyncio.wait_for`: on Python 3.11 it loses a cancellation that arrives in the turn the confirmation does,
        # and the listener then outlives the subscription that was being cancelled.
        async with asyncio.timeout(5):
            await confirmed
        # redis-py can swallow a cancellation that arrives while it sends the command (seen under load: the task's
        # cancel request stays counted, but no `CancelledError` comes out). Raise it here, or the subscription being
        # cancelled would go on listening until the process ends.
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise asyncio.CancelledError

    async def _read(self, pubsub: PubSub) -> None:
        while True:
            try:
                message = await pubsub.get_message(timeout=1.0)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("pubsub.read_failed")
                await asyncio.sleep(1.0)
                continue
            if message is None:
                continue
            raw_channel = message["channel"]
            channel = (raw_channel.decode() if isinstance(raw_channel, bytes) else raw_channel).removeprefix(
                self._prefix
            )
            if message["type"] == "subscribe":
                confirmed = self._confirmations.pop(channel, None)
                if confirmed is not None and not confirmed.done():
                    confirmed.set_result(None)
            elif message["type"] == "message":
                self._fanout.deliver(channel, message["data"])

    def subscriber_count(self, channel: str) -> int:
        return self._fanout.count(channel)

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        if self._pubsub is not None:
            await self._pubsub.aclose()  # type: ignore[no-untyped-call]
