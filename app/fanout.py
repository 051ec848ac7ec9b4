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
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

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

    The writer task exists only while there is something to write, so an idle connection holds no task and no
    queue. A connection that stops reading blocks only its own writer, never the feed that fans out to it.
    """

    __slots__ = ("_closed", "_pending", "_write", "_writer")

    def __init__(self, write: Callable[[str], Awaitable[None]]) -> None:
        self._write = write
        self._pending: deque[str] | None = None
        self._writer: asyncio.Task[None] | None = None
        self._closed = False

    def put(self, text: str) -> None:
        """Queue a message; it is written after every message queued before it."""
        if self._closed:
            return
        if self._pending is None:
            self._pending = deque(maxlen=OUTBOX_SIZE)
        self._pending.append(text)
        if self._writer is None:
            self._writer = asyncio.create_task(self._drain())

    async def send(self, text: str) -> None:
        """Queue a message and wait until it (and everything queued before it) is written."""
        self.put(text)
        if self._writer is not None:
            await asyncio.shield(self._writer)

    async def _drain(self) -> None:
        try:
            while self._pending:
                await self._write(self._pending.popleft())
        except Exception:  # the client went away: the receive loop sees it too, and cleans up
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
    """One operation of one connection in a feed: where to send, and the message's start with its id."""

    outbox: Outbox
    prefix: str


@dataclass(eq=False, slots=True)
class Feed:
    """One execution of a subscription, whose results go to every subscriber of it."""

    key: FeedKey
    variables: dict[str, object] | None
    subscribers: dict[Subscriber, None] = field(default_factory=dict)  # insertion-ordered set
    # `None`: the stream ended (send `complete`); a list: it failed before executing (send `error`).
    done: asyncio.Future[FormattedErrors | None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )
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

    def join(
        self,
        *,
        query: str,
        operation_name: str | None,
        variables: Mapping[str, object] | None,
        actor: Actor,
        outbox: Outbox,
        operation_id: str,
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
        subscriber = Subscriber(outbox, '{"id":' + orjson.dumps(operation_id).decode() + ',"type":"next","payload":')
        feed.subscribers[subscriber] = None
        self._metrics.subscription_subscribers.inc()
        return feed, subscriber

    def leave(self, feed: Feed, subscriber: Subscriber) -> None:
        """Remove an operation from its feed; the last one out stops the feed."""
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
            if not feed.done.done():
                feed.done.set_result(outcome)

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
        return False  # Strawberry's own path reports the syntax error (and closes the socket, as the protocol says)
    operation = get_operation_ast(document, operation_name)
    return operation is not None and operation.operation is OperationType.SUBSCRIPTION
