"""The unit of work: one transaction per use case; after commit, caches are invalidated and events published."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Any, Self, cast

import structlog
from sqlalchemy import Column, CursorResult, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from data import catalog_search, catalog_sql, keys, pricing_sql
from data.breaker import RedisUnavailable
from data.cache import Cache
from data.database import Database
from data.dependencies import DataKind
from data.events import EventBus
from data.product_details import fetch_product_details
from data.reads import ConnectionReads
from data.tables import catalogue_promotions, categories, channel_prices, channels, products, stock, variants
from data.whole_tables import Reference, read_reference
from domain.catalog.model import Category, Product, ProductVariant, sort_name
from domain.inventory.model import StockedVariant, StockLevel
from domain.pricing.inputs import ProductInputs
from domain.pricing.model import Channel, ChannelPrice
from domain.pricing.promotions import CataloguePromotion, NewCataloguePromotion
from domain.pricing.summary import StoredPrices
from domain.shared.events import Event

log = structlog.get_logger(__name__)
VERSION_TTL_SECONDS = 7 * 24 * 3600


@dataclass(slots=True)
class Changes:
    """What a unit of work's writes make stale: entity cache keys, and the kinds of data whose versions change."""

    keys: set[str] = field(default_factory=set)
    kinds: set[DataKind] = field(default_factory=set)

    def stale(self, kind: DataKind, *cache_keys: str) -> None:
        self.kinds.add(kind)
        self.keys.update(cache_keys)


async def _taken(session: AsyncSession, column: Column[Any], value: object, *, exclude_id: int) -> bool:
    """Tell whether another row of `column`'s table than `exclude_id` holds `value` (a slug, a SKU)."""
    table = column.table
    count = await session.scalar(
        select(func.count()).select_from(table).where(column == value, table.c.id != exclude_id)
    )
    return bool(count)


class SqlProductRepository:
    def __init__(self, session: AsyncSession, changes: Changes) -> None:
        self._session = session
        self._changes = changes
        self._loaded: dict[int, Product] = {}

    async def get(self, product_id: int) -> Product | None:
        statement = catalog_sql.select_products().where(products.c.id == product_id).with_for_update()
        row = (await self._session.execute(statement)).one_or_none()
        if row is None:
            return None
        product = catalog_sql.to_product(row)
        self._loaded[product_id] = product
        return product

    async def slug_taken(self, slug: str, *, exclude_id: int) -> bool:
        return await _taken(self._session, products.c.slug, slug, exclude_id=exclude_id)

    async def update(self, product: Product) -> None:
        await self._session.execute(
            update(products)
            .where(products.c.id == product.id)
            .values(
                name=product.name,
                sort_name=sort_name(product.name),
                slug=product.slug,
                description=product.description,
                category_id=product.category_id,
                is_published=product.is_published,
                updated_at=product.updated_at,
            )
        )
        await catalog_search.refresh(await self._session.connection(), [product.id])
        self._changes.stale(DataKind.CATALOG, keys.product(product.id), keys.product_slug(product.slug))
        before = self._loaded.get(product.id)
        if before is not None:
            self._changes.stale(DataKind.CATALOG, keys.product_slug(before.slug))
        if before is None or before.category_id != product.category_id:
            # Promotions target categories: the product's pricing facts in every channel change with its category.
            slugs = (await self._session.execute(select(channels.c.slug))).scalars().all()
            self._changes.stale(DataKind.PRICES, *(keys.price_rows(product.id, slug) for slug in slugs))
            await pricing_sql.mark_prices_stale(await self._session.connection(), product_ids=[product.id])


class SqlCategoryRepository:
    def __init__(self, session: AsyncSession, changes: Changes) -> None:
        self._session = session
        self._changes = changes

    async def get(self, category_id: int) -> Category | None:
        statement = select(categories).where(categories.c.id == category_id).with_for_update()
        row = (await self._session.execute(statement)).one_or_none()
        if row is None:
            return None
        return Category(row.id, row.parent_id, row.name, row.slug, row.description, row.position)

    async def slug_taken(self, slug: str, *, exclude_id: int) -> bool:
        return await _taken(self._session, categories.c.slug, slug, exclude_id=exclude_id)

    async def update(self, category: Category) -> None:
        await self._session.execute(
            update(categories)
            .where(categories.c.id == category.id)
            .values(name=category.name, slug=category.slug, description=category.description)
        )
        self._changes.stale(DataKind.CATALOG, keys.category_tree())


class SqlVariantRepository:
    def __init__(self, session: AsyncSession, changes: Changes) -> None:
        self._session = session
        self._changes = changes

    async def get(self, variant_id: int) -> ProductVariant | None:
        statement = select(variants).where(variants.c.id == variant_id).with_for_update()
        row = (await self._session.execute(statement)).one_or_none()
        return None if row is None else catalog_sql.to_variant(row)

    async def sku_taken(self, sku: str, *, exclude_id: int) -> bool:
        return await _taken(self._session, variants.c.sku, sku, exclude_id=exclude_id)

    async def update(self, variant: ProductVariant) -> None:
        await self._session.execute(
            update(variants).where(variants.c.id == variant.id).values(name=variant.name, sku=variant.sku)
        )
        await catalog_search.refresh(await self._session.connection(), [variant.product_id])  # SKUs are searched
        self._changes.stale(DataKind.CATALOG, keys.variants(variant.product_id))


class SqlStockRepository:
    def __init__(self, session: AsyncSession, changes: Changes) -> None:
        self._session = session
        self._changes = changes

    async def get_for_update(self, variant_id: int) -> StockedVariant | None:
        statement = (
            select(variants.c.product_id, variants.c.sku, stock.c.quantity_on_hand, stock.c.quantity_allocated)
            .select_from(variants.outerjoin(stock, stock.c.variant_id == variants.c.id))
            .where(variants.c.id == variant_id)
            .with_for_update(of=variants)
        )
        row = (await self._session.execute(statement)).one_or_none()
        if row is None:
            return None
        level = StockLevel(variant_id, row.quantity_on_hand or 0, row.quantity_allocated or 0)
        return StockedVariant(product_id=row.product_id, sku=row.sku, level=level)

    async def set_on_hand(self, variant_id: int, quantity: int) -> None:
        # Lock the product first: two writes to sibling variants then recompute its availability one after the
        # other, each seeing the other's committed stock (under READ COMMITTED each statement takes a new snapshot).
        owner = select(variants.c.product_id).where(variants.c.id == variant_id).scalar_subquery()
        product_id = await self._session.scalar(
            select(products.c.id).where(products.c.id == owner).with_for_update(of=products)
        )
        result = await self._session.execute(
            update(stock).where(stock.c.variant_id == variant_id).values(quantity_on_hand=quantity)
        )
        if result.rowcount == 0:  # type: ignore[attr-defined]
            await self._session.execute(
                stock.insert().values(variant_id=variant_id, quantity_on_hand=quantity, quantity_allocated=0)
            )
        self._changes.stale(DataKind.STOCK, keys.stock(variant_id))
        if product_id is not None:
            # Most stock changes leave the product as buyable as it was: only a sell-out or a restock changes its
            # flag, and only then go the cached product row and the responses that show availability.
            flipped = await catalog_sql.refresh_availability(await self._session.connection(), [product_id])
            if flipped:
                self._changes.stale(DataKind.AVAILABILITY, *(keys.product(p) for p in flipped))


class SqlPriceRepository:
    def __init__(self, session: AsyncSession, changes: Changes) -> None:
        self._session = session
        self._changes = changes

    async def product_of_variant(self, variant_id: int) -> int | None:
        found = await self._session.scalar(select(variants.c.product_id).where(variants.c.id == variant_id))
        return None if found is None else int(found)

    async def set_price(self, price: ChannelPrice) -> None:
        values = {
            "amount": price.amount.amount,
            "compare_at": None if price.compare_at is None else price.compare_at.amount,
        }
        key = (channel_prices.c.variant_id == price.variant_id) & (channel_prices.c.channel_slug == price.channel)
        result = await self._session.execute(update(channel_prices).where(key).values(**values))
        if result.rowcount == 0:  # type: ignore[attr-defined]
            await self._session.execute(
                channel_prices.insert().values(variant_id=price.variant_id, channel_slug=price.channel, **values)
            )
        product_id = await self.product_of_variant(price.variant_id)
        if product_id is not None:
            await pricing_sql.refresh_listings(await self._session.connection(), [product_id])
            self._changes.stale(DataKind.PRICES, keys.price_rows(product_id, price.channel))


class SqlPromotionRepository:
    def __init__(self, session: AsyncSession, changes: Changes) -> None:
        self._session = session
        self._changes = changes

    async def add(self, promotion: NewCataloguePromotion) -> CataloguePromotion:
        draft = promotion.with_id("0")
        result = await self._session.execute(
            catalogue_promotions.insert().values(**pricing_sql.promotion_values(draft))
        )
        key = cast(CursorResult[Any], result).inserted_primary_key
        assert key is not None
        # Every product's stored summary in its channels may change now (a sale on them) or when it starts.
        await pricing_sql.mark_prices_stale(await self._session.connection(), channels=promotion.channels)
        self._changes.stale(DataKind.PRICES, keys.promotions())
        return promotion.with_id(str(key[0]))


class SqlStoredPriceRepository:
    """The price summaries stored beside each product's lowest price per channel (`product_channel_listings`)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._reference: Reference | None = None  # the small tables, read once per unit of work

    async def _reads(self) -> ConnectionReads:
        return ConnectionReads(await self._session.connection())

    async def _tables(self) -> Reference:
        if self._reference is None:
            self._reference = await read_reference(await self._reads())
        return self._reference

    async def lock_stale(self, now: datetime, limit: int) -> Sequence[tuple[int, str]]:
        return await pricing_sql.lock_stale_prices(await self._session.connection(), now, limit)

    async def rules(self) -> tuple[Sequence[Channel], Sequence[CataloguePromotion]]:
        reference = await self._tables()
        return reference.channels, reference.promotions

    async def inputs(self, product_ids: Sequence[int], channel: Channel) -> Mapping[int, ProductInputs]:
        tree = (await self._tables()).categories
        details = await fetch_product_details(await self._reads(), product_ids)
        return {pid: d.price_rows(channel).inputs(tree) for pid, d in details.items()}

    async def store(self, stored: Sequence[StoredPrices], unpriced: Sequence[tuple[int, str]]) -> None:
        await pricing_sql.store_prices(await self._session.connection(), stored, unpriced)


class SqlUnitOfWork:
    """Implements every area's unit-of-work port on one SQLAlchemy session."""

    products: SqlProductRepository
    categories: SqlCategoryRepository
    variants: SqlVariantRepository
    stock: SqlStockRepository
    prices: SqlPriceRepository
    promotions: SqlPromotionRepository
    stored_prices: SqlStoredPriceRepository

    def __init__(self, database: Database, cache: Cache, events: EventBus) -> None:
        self._database = database
        self._cache = cache
        self._bus = events
        self._events: list[Event] = []
        self._changes = Changes()
        self._committed = False

    async def __aenter__(self) -> Self:
        self._session = self._database.sessions()
        self.products = SqlProductRepository(self._session, self._changes)
        self.categories = SqlCategoryRepository(self._session, self._changes)
        self.variants = SqlVariantRepository(self._session, self._changes)
        self.stock = SqlStockRepository(self._session, self._changes)
        self.prices = SqlPriceRepository(self._session, self._changes)
        self.promotions = SqlPromotionRepository(self._session, self._changes)
        self.stored_prices = SqlStoredPriceRepository(self._session)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if not self._committed:
                await self._session.rollback()
        finally:
            await self._session.close()

    def record(self, event: Event) -> None:
        self._events.append(event)

    async def commit(self) -> None:
        await self._session.commit()
        self._committed = True
        await self._after_commit()

    async def _after_commit(self) -> None:
        # The transaction is durable now; a failure below must not turn a done write into an error.
        # A cache that missed its invalidation expires within its TTL.
        stale = sorted(self._changes.keys)
        try:
            await self._cache.invalidate_many(stale)
            for kind in sorted(self._changes.kinds):  # before the mutation returns: read-your-writes
                await self._cache.put(keys.data_version(kind), uuid.uuid4().hex.encode(), VERSION_TTL_SECONDS)
        except Exception:
            log.exception("cache.invalidation_failed", keys=stale)
        try:
            await self._bus.publish(self._events)
        except RedisUnavailable:  # the breaker logged the outage once; no traceback per write
            log.warning("events.publish_skipped", events=[e.name for e in self._events])
        except Exception:
            log.exception("events.publish_failed", events=[e.name for e in self._events])
