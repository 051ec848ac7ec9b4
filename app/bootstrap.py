"""Build everything a process needs, once: engine, cache, broker, metrics, and per-request contexts."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from app.metrics import Metrics
from app.response_cache import Lookup, ResponseCache
from app.settings import Settings
from data.breaker import Breaker
from data.cache import Cache, MemoryCache, ReadThrough, RedisCache
from data.catalog_reader import SqlCatalogReader
from data.database import Database, connect_database
from data.events import EventBus
from data.loaders import BatchLoader, Loaders, build_loaders
from data.pricing_reader import SqlPricingReader, SqlTaxRates
from data.pricing_sql import fetch_next_change
from data.pubsub import Broker, MemoryBroker, RedisBroker
from data.redis_pipe import PipelinedRedis, endpoint_of
from data.uow import SqlUnitOfWork
from domain.catalog.services import CatalogService
from domain.inventory.services import InventoryService
from domain.pricing.breakdown import PricedProduct
from domain.pricing.services import PricingService
from domain.pricing.summary import PriceSummary
from domain.shared.actor import Actor, staff
from domain.shared.errors import DomainError
from domain.shared.ports import Clock


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


PricingKey = tuple[int, str | None, str | None]  # product id, channel (None: default), country (None: channel's)
T = TypeVar("T")


def batch_by_channel(
    price: Callable[..., Awaitable[Mapping[int, T | None]]],
) -> Callable[[list[PricingKey]], Coroutine[Any, Any, list[T | None]]]:
    """Return a batch function that asks `price` (`PricingService.price_products` or `summarize_prices`) once per
    channel and country for every product of a request."""

    async def batch(keys: list[PricingKey]) -> list[T | None]:
        groups: dict[tuple[str | None, str | None], list[int]] = {}
        for product_id, channel, country in keys:
            groups.setdefault((channel, country), []).append(product_id)
        priced: dict[PricingKey, T | DomainError | None] = {}
        for (channel, country), product_ids in groups.items():
            try:
                found: Mapping[int, T | DomainError | None] = await price(product_ids, channel=channel, country=country)
            except DomainError as error:  # a bad channel or country fails its own fields, not the others
                found = dict.fromkeys(product_ids, error)
            priced.update(((pid, channel, country), found[pid]) for pid in product_ids)
        # aiodataloader raises an exception instance found among the results for that key alone.
        return cast(list[T | None], [priced[key] for key in keys])

    return batch


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


@dataclass(frozen=True, slots=True)
class Services:
    """The domain services of one request, bound to its loaders."""

    catalog: CatalogService
    inventory: InventoryService
    pricing: PricingService
    product_pricing: BatchLoader[PricingKey, PricedProduct | None]
    price_summaries: BatchLoader[PricingKey, PriceSummary | None]


@dataclass(slots=True)
class Container:
    """One process's long-lived parts. Tests build it against real services, with settings of their own."""

    settings: Settings
    metrics: Metrics
    database: Database
    redis: Redis | None
    cache: Cache
    cached: ReadThrough
    broker: Broker
    events: EventBus
    clock: Clock = field(default_factory=SystemClock)
    responses: ResponseCache | None = None
    response_reader: PipelinedRedis | None = None
    cache_redis: Redis | None = None  # the cache's own connections (short timeouts)
    _staff_digests: dict[bytes, str] = field(default_factory=dict)

    def unit_of_work(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.database, self.cache, self.events)

    def request_scope(self) -> tuple[Services, Loaders]:
        """Return the domain services and loaders for one request."""
        loaders = build_loaders(self.database, self.cached)
        reader = SqlCatalogReader(self.database, loaders, default_channel=self.settings.default_channel)
        pricing = PricingService(
            reader=SqlPricingReader(self.cached, loaders),
            tax=SqlTaxRates(loaders),
            uow=self.unit_of_work,
            clock=self.clock,
            default_channel=self.settings.default_channel,
        )
        services = Services(
            catalog=CatalogService(reader=reader, uow=self.unit_of_work, clock=self.clock),
            inventory=InventoryService(uow=self.unit_of_work, events=self.events),
            pricing=pricing,
            product_pricing=BatchLoader(batch_by_channel(pricing.price_products)),
            price_summaries=BatchLoader(batch_by_channel(pricing.summarize_prices)),
        )
        return services, loaders

    async def refresh_stored_prices(self) -> int:
        """Store again the price summaries that are missing or no longer hold; return how many were done."""
        services, _ = self.request_scope()
        return await services.pricing.refresh_stored_prices()

    def authenticate(self, token: str) -> Actor | None:
        """Return the actor a bearer token stands for, or `None` when no configured token matches."""
        digest = _digest(token)
        for known, actor_id in self._staff_digests.items():
            if hmac.compare_digest(known, digest):
                return staff(actor_id)
        return None

    async def check_ready(self) -> dict[str, str]:
        """Ping each backing service; return a status per service."""
        status: dict[str, str] = {}
        try:
            await self.database.ping()
            status["database"] = "ok"
        except Exception:
            status["database"] = "unavailable"
        if self.redis is not None:
            try:
                await self.redis.ping()
                status["redis"] = "ok"
            except Exception:
                # Reads fall back to the database: a Redis outage degrades, it does not take replicas out.
                status["redis"] = "degraded"
        return status

    async def aclose(self) -> None:
        await self.broker.close()
        if self.response_reader is not None:
            self.response_reader.close()
        await self.database.dispose()
        for client in (self.redis, self.cache_redis):
            if client is not None:
                await client.aclose()


# How long a cache call may take before it counts as failed (and opens the breaker, data/breaker.py).
CACHE_TIMEOUT_SECONDS = 1.0


def build_container(settings: Settings) -> Container:
    """Wire a process from its settings: SQLite or PostgreSQL; in-process or Redis cache and pub/sub."""
    metrics = Metrics()
    database = connect_database(
        settings.database_url,
        pool_size=settings.db_pool_size,
        statement_timeout_seconds=settings.db_statement_timeout_seconds,
        on_statement=metrics.count_statement,
    )
    redis: Redis | None = None
    cache_client: Redis | None = None
    cache: Cache
    broker: Broker
    if settings.redis_url:
        redis = Redis.from_url(settings.redis_url, socket_timeout=5, socket_connect_timeout=5)
        # The cache has its own connections, with short timeouts and one retry: a cache call that takes longer
        # than reading the database is worth nothing, and the breaker stops calls while Redis is failing.
        cache_client = Redis.from_url(
            settings.redis_url,
            socket_timeout=CACHE_TIMEOUT_SECONDS,
            socket_connect_timeout=CACHE_TIMEOUT_SECONDS,
            retry=Retry(NoBackoff(), retries=1),
        )
        cache = RedisCache(cache_client, namespace=settings.redis_namespace)
        # Publishes follow committed writes: short timeouts and a breaker, like the cache (see RedisBroker).
        broker = RedisBroker(
            redis, namespace=settings.redis_namespace, publisher=cache_client, breaker=Breaker("events")
        )
    else:
        cache = MemoryCache()
        broker = MemoryBroker()
    staff_digests = {
        _digest(secret.get_secret_value()): f"staff-token-{index}"
        for index, secret in enumerate(settings.staff_tokens, start=1)
    }
    container = Container(
        settings=settings,
        metrics=metrics,
        database=database,
        redis=redis,
        cache=cache,
        cached=ReadThrough(
            cache, ttl_seconds=settings.cache_ttl_seconds, stats=metrics, enabled=settings.cache_enabled
        ),
        broker=broker,
        events=EventBus(broker),
        cache_redis=cache_client,
        _staff_digests=staff_digests,
    )
    if settings.cache_enabled and settings.response_cache_seconds:
        container.responses = _response_cache(container)
    return container


def _response_cache(container: Container) -> ResponseCache:
    """Build the response cache; on plain Redis its look-ups go through the pipelined client (data/redis_pipe.py)."""
    settings, database, cache = container.settings, container.database, container.cache

    async def next_change() -> datetime | None:
        async with database.read() as conn:
            return await fetch_next_change(conn, container.clock.now())

    lookup: Lookup = cache.get_many
    endpoint = endpoint_of(container.redis) if container.redis is not None else None
    if endpoint is not None:
        reader = container.response_reader = PipelinedRedis(endpoint, timeout_seconds=CACHE_TIMEOUT_SECONDS)
        prefix = f"{settings.redis_namespace}:".encode()
        breaker = Breaker("response-cache")

        async def lookup_pipelined(names: Sequence[str]) -> list[bytes | None]:
            with breaker.guard():
                return [v or None for v in await reader.mget([prefix + n.encode() for n in names])]

        lookup = lookup_pipelined
    return ResponseCache(
        lookup=lookup,
        store=cache.put,
        metrics=container.metrics,
        max_seconds=settings.response_cache_seconds,
        clock=container.clock.now,
        next_change=next_change,
    )
