"""Whole-response caching of anonymous storefront queries.

A cached response is stored with the catalog version it was computed under; every committed write that
invalidates an entity cache also changes the version (data/uow.py), so a response is never served after a write
has returned. Responses also expire before the next moment something changes by itself (a promotion starts or
ends, a product goes live), and after `VITRINE_RESPONSE_CACHE_SECONDS` at most. Only anonymous queries are cached:
anything with credentials, any mutation, and any response with errors goes through untouched.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import lru_cache

import orjson
import structlog
from graphql import GraphQLError, OperationType, get_operation_ast, parse

from app.metrics import Metrics
from data import keys
from data.cache import Cache

log = structlog.get_logger(__name__)
_VERSION_BYTES = 32  # uuid4 hex


@lru_cache(maxsize=512)
def _is_query(document: str, operation_name: str | None) -> bool:
    try:
        operation = get_operation_ast(parse(document), operation_name)
    except GraphQLError:
        return False
    return operation is not None and operation.operation is OperationType.QUERY


def cache_key(payload: object) -> str | None:
    """Return the key of an anonymous query's request body, or `None` when it is not a cacheable query."""
    if not isinstance(payload, dict):
        return None
    query, variables, name = payload.get("query"), payload.get("variables"), payload.get("operationName")
    if not isinstance(query, str) or not (variables is None or isinstance(variables, dict)):
        return None
    if not (name is None or isinstance(name, str)) or not _is_query(query, name):
        return None
    canonical = orjson.dumps([query, variables or {}, name], option=orjson.OPT_SORT_KEYS)
    return keys.response(hashlib.sha256(canonical).hexdigest())


class ResponseCache:
    """Look responses up by request and catalog version; store successful ones until the next change."""

    def __init__(
        self,
        cache: Cache,
        *,
        metrics: Metrics,
        max_seconds: int,
        clock: Callable[[], datetime],
        next_change: Callable[[], Awaitable[datetime | None]],
    ) -> None:
        self._cache = cache
        self._metrics = metrics
        self._max_seconds = max_seconds
        self._clock = clock
        self._next_change = next_change
        self._boundary: tuple[bytes, datetime | None] | None = None

    async def get(self, key: str) -> tuple[bytes | None, bytes]:
        """Return the cached body (or `None`) and the current catalog version, in one round trip."""
        try:
            version, stored = await self._cache.get_many([keys.catalog_version(), key])
        except Exception:
            log.warning("response_cache.read_failed", exc_info=True)
            return None, b""
        version = version or b"0" * _VERSION_BYTES
        if stored is not None and stored[:_VERSION_BYTES] == version:
            self._metrics.response_hits.inc()
            return stored[_VERSION_BYTES:], version
        self._metrics.response_misses.inc()
        return None, version

    async def put(self, key: str, version: bytes, body: bytes) -> None:
        """Store a successful response under the version it was computed with."""
        ttl = await self._ttl(version)
        if ttl < 1 or len(version) != _VERSION_BYTES:
            return
        try:
            await self._cache.put(key, version + body, ttl)
        except Exception:
            log.warning("response_cache.write_failed", exc_info=True)

    async def _ttl(self, version: bytes) -> int:
        if self._boundary is None or self._boundary[0] != version:
            self._boundary = (version, await self._next_change())
        boundary = self._boundary[1]
        if boundary is None:
            return self._max_seconds
        return min(self._max_seconds, int((boundary - self._clock()).total_seconds()))
