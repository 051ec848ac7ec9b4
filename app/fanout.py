"""Shared subscriptions: each distinct subscription is executed and encoded once, and its bytes sent to all.

Before this, every websocket subscriber ran its own copy of the subscription: a broker queue, a chain of async
generators, a graphql-core execution and a JSON encoding per subscriber and event. 5,000 subscribers to one
subscription cost 5,000 executions per stock change (seconds of CPU) and ~60 KiB each while idle.

Now a `Feed` runs one execution per *distinct* subscription: the same document, operation name and variables,
seen by the same audience (`audience_of`). Each result is encoded once; a subscriber gets it as one string
concatenation with its own operation id, queued on its connection's `Outbox`.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections import deque
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import orjson
import structlog
from graphql import GraphQLError, GraphQLFormattedError, OperationType, get_operation_ast, parse
from strawberry.schema import BaseSchema
from strawberry.types.execution import ExecutionResult, PreExecutionError
from strawberry.utils.aio import aclosing

from app.metrics import Metrics
from domain.shared.actor import Actor, ActorKind

log = structlog.get_logger(__name__)

OUTBOX_SIZE = 256  # messages a connection may have waiting; a slower one loses its oldest (as the broker's queues)
FormattedErrors = list[GraphQLFormattedError]


class Outbox:
    """One websocket's outgoing text messages, written in order.

    A message is written at once, in the caller's task, when nothing is waiting before it; only a write that has
    to wait (the client stopped reading and the socket's buffer is full) moves to a task, which then also writes
    what is queued meanwhile. So fanning an event out to 5,000 connections creates no task and no queue: before,
    a task per subscriber and event meant thousands of pending objects promoted to the GC's oldest generation
    every event, and a full collection (~0.5 s at 5,000 connections) every few events. An idle connection holds
    no task and no queue either. A connection that stops reading holds up only its own messages.
    """

    __slots__ = ("_closed", "_pending", "_stalled", "_write", "_writer")

    def __init__(self, write: Callable[[str], Coroutine[Any, Any, None]]) -> None:
        self._write = write
        self._pending: deque[str] | None = None
        self._writer: asyncio.Task[None] | None = None
        self._stalled: Suspended | None = None  # the write that had to wait, until the writer task takes it
        self._closed = False

    def put(self, text: str) -> None:
        """Write a message now, or queue it after the messages still waiting (a slow client loses the oldest)."""
        if self._closed:
            return
        if self._writer is not None:
            if self._pending is None:
                self._pending = deque(maxlen=OUTBOX_SIZE)
            self._pending.append(text)
            return
        try:
            suspended = start_eagerly(self._write(text))
        except Exception:  # the client went away: the receive loop sees it too, and cleans up
            self._closed = True
            return
        if suspended is not None:
            self._stalled = suspended
            self._writer = asyncio.create_task(self._drain())

    async def send(self, text: str) -> None:
        """Write a message after those waiting, and return once it is written."""
        self.put(text)
        if self._writer is not None:
            await asyncio.shield(self._writer)

    async def _drain(self) -> None:
        try:
            if self._stalled is not None:
                stalled, self._stalled = self._stalled, None
                await finish(stalled)
            while self._pending:
                await self._write(self._pending.popleft())
        except Exception:
            self._closed = True
        finally:
            self._pending = None
            self._writer = None

    async def aclose(self) -> None:
        """Drop what is still queued and stop writing."""
        self._closed = True
        self._pending = None
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer
        if self._stalled is not None:  # the writer was cancelled before it started: unwind the write here
            self._stalled.coroutine.close()
            self._stalled = None


@dataclass(frozen=True, slots=True)
class Suspended:
    """A coroutine `start_eagerly` ran until it had to wait, and what it waits for (`None`: one loop turn)."""

    coroutine: Coroutine[Any, Any, None]
    waiting_for: asyncio.Future[Any] | None


def start_eagerly(coroutine: Coroutine[Any, Any, None]) -> Suspended | None:
    """Run a coroutine in the calling task until it first has to wait; `None` when it finished without waiting.

    Python 3.12's eager tasks do this; we run 3.11. A websocket write waits only when the socket's buffer is
    full, so most writes finish here, without a task.
    """
    try:
        waiting_for = coroutine.send(None)
    except StopIteration:
        return None
    return Suspended(coroutine, waiting_for)


async def finish(suspended: Suspended) -> None:
    """Drive a coroutine `start_eagerly` left waiting to its end, as its own task would have (cancelling included)."""
    coroutine, waiting_for = suspended.coroutine, suspended.waiting_for
    try:
        while True:
            try:
                if waiting_for is None:
                    await asyncio.sleep(0)
                else:
                    waiting_for._asyncio_future_blocking = False  # as a task does when it takes the future over
                    await asyncio.wait((waiting_for,))  # the coroutine itself reads the outcome when resumed
            except asyncio.CancelledError:
                if waiting_for is None:
                    raise
                waiting_for.cancel()  # as `Task.cancel` does: the coroutine gets `CancelledError` where it waits
            try:
                waiting_for = coroutine.send(None)
            except StopIteration:
                return
    finally:
        coroutine.close()  # a no-op once it has finished


def audience_of(actor: Actor) -> Actor:
    """Return who a subscription's results are computed for: actors that would see the same data share one.

    Visibility depends on the actor's kind and permissions (anonymous shoppers see published products; staff see
    everything), never on which staff member asks. A customer's results may hold their own data, so customers
    never share with each other.
    """
    if actor.kind is ActorKind.CUSTOMER:
        return actor
    return Actor(actor.kind, permissions=actor.permissions)


@dataclass(frozen=True, slots=True)
class FeedKey:
    query: str
    operation_name: str | None
    variables: bytes  # canonical JSON: key order does not make two subscriptions distinct
    audience: Actor


@dataclass(eq=False, slots=True)
class Subscriber:
    """One operation of one connection in a feed: where to send, the message's start with its id, and what to
    call when the feed ends by itself (with the errors to report, or `None` for a plain `complete`)."""

    outbox: Outbox
    prefix: str
    on_end: Callable[[FormattedErrors | None], None]


@dataclass(eq=False, slots=True)
class Feed:
    """One execution of a subscription, whose results go to every subscriber of it."""

    key: FeedKey
    variables: dict[str, object] | None
    subscribers: dict[Subscriber, None] = field(default_factory=dict)  # insertion-ordered set
    task: asyncio.Task[None] | None = None


class FanoutHub:
    """The process's shared subscriptions, by `FeedKey`; a feed lives while it has subscribers."""

    def __init__(
        self,
        schema: BaseSchema,
        *,
        context_for: Callable[[Actor], object],
        metrics: Metrics,
        max_tokens: int,
    ) -> None:
        self._schema = schema
        self._context_for = context_for
        self._metrics = metrics
        self._max_tokens = max_tokens
        self._feeds: dict[FeedKey, Feed] = {}

    def shares(self, query: str, operation_name: str | None) -> bool:
        """Tell whether an operation runs on a shared feed: a well-formed subscription (anything else does not)."""
        return _is_subscription(query, operation_name, self._max_tokens)

    def syntax_error(self, query: str) -> GraphQLError | None:
        """Return why a document does not parse (or has too many tokens), or None when it parses."""
        try:
            parse(query, max_tokens=self._max_tokens)
        except GraphQLError as error:
            return error
        return None

    def join(
        self,
        *,
        query: str,
        operation_name: str | None,
        variables: Mapping[str, object] | None,
        actor: Actor,
        outbox: Outbox,
        operation_id: str,
        on_end: Callable[[FormattedErrors | None], None],
    ) -> tuple[Feed, Subscriber]:
        """Add an operation to the feed of its subscription, starting the feed if it is the first."""
        canonical = orjson.dumps(variables or {}, option=orjson.OPT_SORT_KEYS)
        key = FeedKey(query, operation_name, canonical, audience_of(actor))
        feed = self._feeds.get(key)
        if feed is None:
            feed = self._feeds[key] = Feed(key, dict(variables) if variables else None)
            # A clean context: the feed serves many connections, and must not log as the first one's request.
            feed.task = asyncio.create_task(self._run(feed), context=contextvars.Context())
            self._metrics.subscription_feeds.inc()
        prefix = '{"id":' + orjson.dumps(operation_id).decode() + ',"type":"next","payload":'
        subscriber = Subscriber(outbox, prefix, on_end)
        feed.subscribers[subscriber] = None
        self._metrics.subscription_subscribers.inc()
        return feed, subscriber

    def leave(self, feed: Feed, subscriber: Subscriber) -> None:
        """Remove an operation from its feed (a no-op once the feed has ended); the last one out stops the feed."""
        if subscriber in feed.subscribers:
            del feed.subscribers[subscriber]
            self._metrics.subscription_subscribers.dec()
        if not feed.subscribers and self._feeds.get(feed.key) is feed:
            self._forget(feed)
            if feed.task is not None:
                feed.task.cancel()

    def feed_count(self) -> int:
        return len(self._feeds)

    def subscriber_count(self) -> int:
        return sum(len(feed.subscribers) for feed in self._feeds.values())

    def _forget(self, feed: Feed) -> None:
        if self._feeds.get(feed.key) is feed:
            del self._feeds[feed.key]
            self._metrics.subscription_feeds.dec()

    async def _run(self, feed: Feed) -> None:
        outcome: FormattedErrors | None = None
        try:
            key = feed.key
            stream = await self._schema.stream(
                key.query,
                variable_values=feed.variables,
                context_value=self._context_for(key.audience),
                operation_name=key.operation_name,
            )
            async with aclosing(stream):
                first = True
                async for result in stream:
                    if first and isinstance(result, PreExecutionError):
                        outcome = [error.formatted for error in result.errors or ()]
                        return
                    if not isinstance(result, ExecutionResult):  # @defer/@stream frames: no wire form here
                        outcome = [GraphQLError("Incremental delivery is not supported over websockets.").formatted]
                        return
                    first = False
                    self._broadcast(feed, result)
        except Exception:
            log.exception("subscription.feed_failed", operation=feed.key.operation_name)
        finally:
            self._forget(feed)
            ended, feed.subscribers = list(feed.subscribers), {}
            self._metrics.subscription_subscribers.dec(len(ended))
            for subscriber in ended:
                subscriber.on_end(outcome)

    def _broadcast(self, feed: Feed, result: ExecutionResult) -> None:
        payload: dict[str, object] = {"data": result.data}
        if result.errors:
            payload["errors"] = [error.formatted for error in result.errors]
        if result.extensions:
            payload["extensions"] = result.extensions
        body = orjson.dumps(payload).decode() + "}"
        # No await in this loop: subscribers joining or leaving meanwhile cannot change the dict under it.
        for subscriber in feed.subscribers:
            subscriber.outbox.put(subscriber.prefix + body)
        self._metrics.subscription_executions.inc()
        self._metrics.subscription_messages.inc(len(feed.subscribers))


@lru_cache(maxsize=256)
def _is_subscription(query: str, operation_name: str | None, max_tokens: int) -> bool:
    """Tell whether a document's chosen operation is a subscription; `False` for anything Strawberry must refuse."""
    try:
        document = parse(query, max_tokens=max_tokens)
    except GraphQLError:
        return False  # the handler reports it (`FanoutTransportWSHandler.run_operation`)
    operation = get_operation_ast(document, operation_name)
    return operation is not None and operation.operation is OperationType.SUBSCRIPTION
