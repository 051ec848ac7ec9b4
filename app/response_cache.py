"""Whole-response caching of anonymous storefront queries.

A cached response is stored with the versions of the kinds of data it read (catalog, stock, prices:
`data/dependencies.py`), as they were before it was computed; every committed write replaces the versions of the
kinds it wrote before its mutation returns (data/uow.py), so a response is never served after a write to what it
read has returned, and a stock change leaves the responses that never read stock (a search by name and price, the
category tree) in place. Responses also expire before the next moment something changes by itself (a promotion starts or
ends, a product goes live), and after `VITRINE_RESPONSE_CACHE_SECONDS` at most. Only anonymous queries are cached:
anything with credentials, any mutation, and any response with errors goes through untouched.

A response is keyed by the request's raw bytes (method and body, or the query string of a GET), so a hit is found
without parsing JSON or GraphQL; whether a request may be cached at all is decided when it misses, by the GraphQL
view, which parses it anyway (`is_cacheable_query`).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable, Collection, Sequence
from datetime import datetime
from functools import lru_cache

import structlog
from graphql import GraphQLError, OperationType, get_operation_ast, parse

from app.metrics import Metrics
from data import keys
from data.breaker import RedisUnavailable
from data.dependencies import KINDS, DataKind

log = structlog.get_logger(__name__)
_VERSION_BYTES = 32  # uuid4 hex, per kind of data
_NO_VERSION = b"0" * _VERSION_BYTES  # a kind never written since the cache started
_VERSION_KEYS = tuple(keys.data_version(kind) for kind in KINDS)
# How long a request waits for an identical one that is computing its response, before computing its own.
FLIGHT_WAIT_SECONDS = 3.0

Lookup = Callable[[Sequence[str]], Awaitable[Sequence[bytes | None]]]
Store = Callable[[str, bytes, int], Awaitable[None]]


@lru_cache(maxsize=512)
def _is_query(document: str, operation_name: str | None) -> bool:
    try:
        operation = get_operation_ast(parse(document), operation_name)
    except GraphQLError:
        return False
    return operation is not None and operation.operation is OperationType.QUERY


def is_cacheable_query(payload: object) -> bool:
    """Tell whether a request's parsed JSON payload is one query that may be answered from the cache."""
    if not isinstance(payload, dict):
        return False
    query, variables, name = payload.get("query"), payload.get("variables"), payload.get("operationName")
    if not isinstance(query, str) or not (variables is None or isinstance(variables, dict)):
        return False
    return (name is None or isinstance(name, str)) and _is_query(query, name)


def request_key(method: str, raw: bytes) -> str:
    """Return the cache key of a request: a digest of its method and body (POST) or query string (GET)."""
    return keys.response(hashlib.sha256(method.encode() + b"\0" + raw).hexdigest())


def _current(stored: bytes, stamp: bytes) -> bool:
    """Tell whether a stored response's versions of the kinds it read are the current ones."""
    mask = stored[0]
    for index in range(len(KINDS)):
        if mask & (1 << index):
            start, end = index * _VERSION_BYTES + 1, (index + 1) * _VERSION_BYTES + 1
            if stored[start:end] != stamp[start - 1 : end - 1]:
                return False
    return True


class ResponseCache:
    """Look responses up by request and data versions; store successful ones until the next change."""

    def __init__(
        self,
        *,
        lookup: Lookup,
        store: Store,
        metrics: Metrics,
        max_seconds: int,
        clock: Callable[[], datetime],
        next_change: Callable[[], Awaitable[datetime | None]],
    ) -> None:
        self._lookup = lookup
        self._store = store
        self._metrics = metrics
        self._max_seconds = max_seconds
        self._clock = clock
        self._next_change = next_change
        self._boundary: tuple[bytes, datetime | None] | None = None
        self._flights: dict[tuple[str, bytes], asyncio.Future[bytes | None]] = {}

    async def get(self, key: str) -> tuple[bytes | None, bytes]:
        """Return the cached body (or `None`) and the current versions of every kind of data (the stamp to store a
        response computed now under), in one round trip.

        The stamp is empty when the cache could not be read: nothing computed then may be stored.
        """
        try:
            *versions, stored = await self._lookup([*_VERSION_KEYS, key])
        except Exception as error:
            if not isinstance(error, RedisUnavailable):  # the breaker logged the outage once
                log.warning("response_cache.read_failed", exc_info=True)
            self._metrics.response_misses.inc()
            return None, b""
        stamp = b"".join(v or _NO_VERSION for v in versions)
        if stored and _current(stored, stamp):
            self._metrics.response_hits.inc()
            return stored[1 + len(stamp) :], stamp
        self._metrics.response_misses.inc()
        return None, stamp

    async def put(self, key: str, stamp: bytes, body: bytes, reads: Collection[DataKind]) -> None:
        """Store a successful response with the stamp read before it was computed, and the kinds of data it read."""
        if len(stamp) != _VERSION_BYTES * len(KINDS):
            return
        mask = sum(1 << index for index, kind in enumerate(KINDS) if kind in reads)
        try:
            ttl = await self._ttl(stamp)
            if ttl >= 1:
                await self._store(key, bytes([mask]) + stamp + body, ttl)
        except Exception:
            log.warning("response_cache.write_failed", exc_info=True)

    def flight(self, key: str, version: bytes) -> asyncio.Future[bytes | None] | None:
        """Return the pending computation of this response under this version, if one is running in this process."""
        return self._flights.get((key, version))

    def start_flight(self, key: str, version: bytes) -> asyncio.Future[bytes | None]:
        """Register this request as the one computing the response; others with the same key and version wait."""
        future: asyncio.Future[bytes | None] = asyncio.get_running_loop().create_future()
        self._flights[(key, version)] = future
        return future

    def end_flight(self, key: str, version: bytes, future: asyncio.Future[bytes | None], body: bytes | None) -> None:
        """Hand the computed body (or `None`: not cacheable, or failed) to the waiting requests."""
        if self._flights.get((key, version)) is future:
            del self._flights[(key, version)]
        if not future.done():
            future.set_result(body)

    async def _ttl(self, version: bytes) -> int:
        if self._boundary is None or self._boundary[0] != version:
            self._boundary = (version, await self._next_change())
        boundary = self._boundary[1]
        if boundary is None:
            return self._max_seconds
        return min(self._max_seconds, int((boundary - self._clock()).total_seconds()))
