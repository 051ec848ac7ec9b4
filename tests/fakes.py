"""In-memory working fakes of the domain ports, and builders of domain objects, for the unit tests.

The fakes behave like the real adapters in the ways the domain relies on: the reader lists by id after a keyset
position and counts every match, the unit of work applies changes and events on commit only, and the event stream
delivers only to subscriptions that are active when an event is published.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import TracebackType
from typing import Self, TypeVar

from domain.catalog.attributes import Attribute, AttributeFilter, AttributeValue
from domain.catalog.collections import Collection
from domain.catalog.facets import RawFacets, ValueCount
from domain.catalog.model import (
    NO_RELATIONS,
    Category,
    CategoryTree,
    PageRelations,
    Product,
    ProductQuery,
    ProductSlice,
    ProductSortField,
    ProductTranslation,
    ProductVariant,
    sort_name,
)
from domain.catalog.search import relevance_tier, tokenize
from domain.inventory.model import StockedVariant, StockLevel
from domain.shared.events import Event
from domain.shared.pagination import CursorKey

E = TypeVar("E", bound=Event)

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
EARLIER = NOW - timedelta(days=30)

_ids = itertools.count(1000)


# --- builders ---------------------------------------------------------------------------------------------------


def make_product(
    product_id: int | None = None,
    *,
    name: str = "Linen shirt",
    slug: str | None = None,
    description: str = "A shirt.",
    category_id: int | None = None,
    is_published: bool = True,
) -> Product:
    """Build a product, with explicit values where a test cares and defaults where it doesn't."""
    pid = next(_ids) if product_id is None else product_id
    return Product(
        id=pid,
        name=name,
        slug=f"product-{pid}" if slug is None else slug,
        description=description,
        category_id=category_id,
        is_published=is_published,
        created_at=EARLIER,
        updated_at=EARLIER,
    )


def make_variant(variant_id: int, *, product_id: int, sku: str, name: str = "") -> ProductVariant:
    """Build a variant without options."""
    return ProductVariant(id=variant_id, product_id=product_id, sku=sku, name=name, options=(), position=0)


def make_category(
    category_id: int,
    *,
    parent_id: int | None = None,
    name: str | None = None,
    slug: str | None = None,
    position: int = 0,
) -> Category:
    """Build a category."""
    return Category(
        id=category_id,
        parent_id=parent_id,
        name=f"Category {category_id}" if name is None else name,
        slug=f"category-{category_id}" if slug is None else slug,
        description="",
        position=position,
    )


def make_stocked_variant(
    variant_id: int, *, product_id: int = 1, sku: str | None = None, on_hand: int = 0, allocated: int = 0
) -> StockedVariant:
    """Build a variant's stock as the inventory sees it."""
    return StockedVariant(
        product_id=product_id,
        sku=f"SKU-{variant_id}" if sku is None else sku,
        level=StockLevel(variant_id=variant_id, quantity_on_hand=on_hand, quantity_allocated=allocated),
    )


# --- clock --------------------------------------------------------------------------------------------------------


class FixedClock:
    """A clock that reads `now` until a test moves it."""

    def __init__(self, now: datetime = NOW) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> None:
        self.current += delta


# --- storage shared by the reader and the unit of work ------------------------------------------------------------


@dataclass
class FakeStore:
    """The committed state: what a database would hold, plus what commit published."""

    products: dict[int, Product] = field(default_factory=dict)
    categories: dict[int, Category] = field(default_factory=dict)
    variants: dict[int, ProductVariant] = field(default_factory=dict)
    stock: dict[int, StockedVariant] = field(default_factory=dict)
    translations: dict[tuple[int, str], ProductTranslation] = field(default_factory=dict)
    attributes: dict[int, Attribute] = field(default_factory=dict)
    attribute_values: dict[int, list[AttributeValue]] = field(default_factory=dict)  # by product id
    collections: dict[int, Collection] = field(default_factory=dict)
    collection_members: dict[int, list[int]] = field(default_factory=dict)  # collection id -> product ids, in order
    min_prices: dict[tuple[int, str], Decimal] = field(default_factory=dict)  # (product id, channel) -> lowest
    committed_events: list[Event] = field(default_factory=list)
    commits: int = 0
    rollbacks: int = 0
    events: FakeEventStream | None = None

    def add_products(self, *products: Product) -> None:
        self.products.update((p.id, p) for p in products)

    def add_categories(self, *categories: Category) -> None:
        self.categories.update((c.id, c) for c in categories)

    def add_variants(self, *variants: ProductVariant) -> None:
        self.variants.update((v.id, v) for v in variants)

    def add_stock(self, *stocked: StockedVariant) -> None:
        self.stock.update((s.level.variant_id, s) for s in stocked)

    def unit_of_work(self) -> FakeUnitOfWork:
        """Open a unit of work on this store (pass the bound method as the services' `uow` factory)."""
        return FakeUnitOfWork(self)


# --- catalog reader -----------------------------------------------------------------------------------------------


class FakeCatalogReader:
    """Implements `CatalogReader` over the committed state of a `FakeStore`."""

    def __init__(self, store: FakeStore) -> None:
        self._store = store
        self.list_calls: list[tuple[ProductQuery, CursorKey | None, int]] = []

    async def product(self, product_id: int) -> Product | None:
        return self._store.products.get(product_id)

    async def product_by_slug(self, slug: str, *, language_code: str | None = None) -> Product | None:
        if language_code is not None:
            for t in self._store.translations.values():
                if t.language_code == language_code and t.slug == slug:
                    return self._store.products.get(t.product_id)
        return next((p for p in self._store.products.values() if p.slug == slug), None)

    async def translation(self, product_id: int, language_code: str) -> ProductTranslation | None:
        return self._store.translations.get((product_id, language_code))

    async def list_products(
        self,
        query: ProductQuery,
        *,
        after: CursorKey | None,
        limit: int,
        count_total: bool = True,
        relations: PageRelations = NO_RELATIONS,
    ) -> ProductSlice:
        self.list_calls.append((query, after, limit))
        sort = query.sort

        def key(p: Product) -> CursorKey:
            if sort.field is ProductSortField.RELEVANCE:
                assert query.search is not None
                return (-relevance_tier(name=p.name, text=query.search.text), sort_name(p.name), p.id)
            if sort.field is ProductSortField.POSITION:
                assert query.collection_id is not None
                return (self._store.collection_members[query.collection_id].index(p.id), p.id)
            return sort.key(p)

        matching = sorted(
            (p for p in self._store.products.values() if self._matches(query, p)), key=key, reverse=sort.descending
        )

        def beyond(p: Product) -> bool:
            assert after is not None
            return key(p) < after if sort.descending else key(p) > after

        rows = [p for p in matching if after is None or beyond(p)][:limit]
        total = len(matching) if count_total else None
        return ProductSlice(items=rows, keys=[key(p) for p in rows], total_count=total)

    async def vocabulary_near(self, words: Sequence[str]) -> Mapping[str, Sequence[str]]:
        vocabulary = {w for p in self._store.products.values() for w in tokenize(p.name)}
        return {w: sorted(v for v in vocabulary if v[0] == w[0] and abs(len(v) - len(w)) <= 2) for w in words}

    def _matches(self, query: ProductQuery, product: Product) -> bool:
        if query.visible_at is not None and not product.is_visible_at(query.visible_at):
            return False
        if query.category_ids is not None and product.category_id not in query.category_ids:
            return False
        if query.search is not None:
            document = tokenize(f"{product.name} {product.description}")
            if not all(any(d.startswith(f) for d in document for f in t.forms) for t in query.search.terms):
                return False
        if query.in_stock is not None:
            stocked = any(s.product_id == product.id and s.level.is_in_stock for s in self._store.stock.values())
            if stocked is not query.in_stock:
                return False
        if query.collection_id is not None and product.id not in self._store.collection_members.get(
            query.collection_id, []
        ):
            return False
        if query.created_after is not None and product.created_at < query.created_after:
            return False
        if query.channel is not None:
            price = self._store.min_prices.get((product.id, query.channel))
            if price is None or (query.price_range is not None and not query.price_range.contains(price)):
                return False
        return all(self._has(product.id, wanted) for wanted in query.attributes)

    def _has(self, product_id: int, wanted: AttributeFilter) -> bool:
        for value in self._store.attribute_values.get(product_id, []):
            if value.attribute_id != wanted.attribute_id:
                continue
            if wanted.choice_ids and value.choice_id in wanted.choice_ids:
                return True
            if wanted.number_range and value.number is not None and wanted.number_range.contains(value.number):
                return True
            if wanted.boolean is not None and value.boolean is wanted.boolean:
                return True
        return False

    async def category_tree(self) -> CategoryTree:
        return CategoryTree(self._store.categories.values())

    async def attributes(self) -> Sequence[Attribute]:
        return list(self._store.attributes.values())

    async def collections(self) -> Sequence[Collection]:
        return list(self._store.collections.values())

    async def channel_slugs(self) -> frozenset[str]:
        return frozenset(channel for _, channel in self._store.min_prices)

    async def facets(self, query: ProductQuery, *, price_edges: Sequence[Decimal]) -> RawFacets:
        matching = [p for p in self._store.products.values() if self._matches(query, p)]
        by_category: dict[int, int] = {}
        by_value: dict[tuple[int, int | None, bool | None], set[int]] = {}
        by_bucket: dict[int, int] = {}
        for product in matching:
            if product.category_id is not None:
                by_category[product.category_id] = by_category.get(product.category_id, 0) + 1
            for value in self._store.attribute_values.get(product.id, []):
                if value.choice_id is not None or value.boolean is not None:
                    by_value.setdefault((value.attribute_id, value.choice_id, value.boolean), set()).add(product.id)
            if query.channel is not None:
                price = self._store.min_prices[(product.id, query.channel)]
                index = max(i for i, edge in enumerate(price_edges) if price >= edge or i == 0)
                by_bucket[index] = by_bucket.get(index, 0) + 1
        values = [ValueCount(a, c, b, len(ids)) for (a, c, b), ids in sorted(by_value.items(), key=str)]
        return RawFacets(by_category=by_category, by_value=values, by_bucket=by_bucket)


# --- unit of work and repositories --------------------------------------------------------------------------------


class FakeProductRepository:
    """Implements `ProductRepository` over the unit of work's pending copy of the products."""

    def __init__(self, products: dict[int, Product]) -> None:
        self._products = products

    async def get(self, product_id: int) -> Product | None:
        return self._products.get(product_id)

    async def slug_taken(self, slug: str, *, exclude_id: int) -> bool:
        return any(p.slug == slug and p.id != exclude_id for p in self._products.values())

    async def update(self, product: Product) -> None:
        if product.id not in self._products:
            raise KeyError(product.id)
        self._products[product.id] = product


class FakeCategoryRepository:
    """Implements `CategoryRepository` over the unit of work's pending copy of the categories."""

    def __init__(self, categories: dict[int, Category]) -> None:
        self._categories = categories

    async def get(self, category_id: int) -> Category | None:
        return self._categories.get(category_id)

    async def slug_taken(self, slug: str, *, exclude_id: int) -> bool:
        return any(c.slug == slug and c.id != exclude_id for c in self._categories.values())

    async def update(self, category: Category) -> None:
        if category.id not in self._categories:
            raise KeyError(category.id)
        self._categories[category.id] = category


class FakeVariantRepository:
    """Implements `VariantRepository` over the unit of work's pending copy of the variants."""

    def __init__(self, variants: dict[int, ProductVariant]) -> None:
        self._variants = variants

    async def get(self, variant_id: int) -> ProductVariant | None:
        return self._variants.get(variant_id)

    async def sku_taken(self, sku: str, *, exclude_id: int) -> bool:
        return any(v.sku == sku and v.id != exclude_id for v in self._variants.values())

    async def update(self, variant: ProductVariant) -> None:
        if variant.id not in self._variants:
            raise KeyError(variant.id)
        self._variants[variant.id] = variant


class FakeStockRepository:
    """Implements `StockRepository` over the unit of work's pending copy of the stock levels."""

    def __init__(self, stock: dict[int, StockedVariant]) -> None:
        self._stock = stock

    async def get_for_update(self, variant_id: int) -> StockedVariant | None:
        return self._stock.get(variant_id)

    async def set_on_hand(self, variant_id: int, quantity: int) -> None:
        found = self._stock[variant_id]
        level = StockLevel(variant_id, quantity, found.level.quantity_allocated)
        self._stock[variant_id] = StockedVariant(product_id=found.product_id, sku=found.sku, level=level)


class FakeUnitOfWork:
    """Implements the catalog's and the inventory's unit of work: changes and events apply on commit, or never."""

    products: FakeProductRepository
    categories: FakeCategoryRepository
    variants: FakeVariantRepository
    stock: FakeStockRepository

    def __init__(self, store: FakeStore) -> None:
        self._store = store
        self._products = dict(store.products)
        self._categories = dict(store.categories)
        self._variants = dict(store.variants)
        self._stock = dict(store.stock)
        self.products = FakeProductRepository(self._products)
        self.categories = FakeCategoryRepository(self._categories)
        self.variants = FakeVariantRepository(self._variants)
        self.stock = FakeStockRepository(self._stock)
        self.pending_events: list[Event] = []
        self.committed = False

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if not self.committed:
            # Roll back: the pending copies and events are simply dropped.
            self._store.rollbacks += 1
            self.pending_events.clear()

    def record(self, event: Event) -> None:
        self.pending_events.append(event)

    async def commit(self) -> None:
        self._store.products = dict(self._products)
        self._store.categories = dict(self._categories)
        self._store.variants = dict(self._variants)
        self._store.stock = dict(self._stock)
        self._store.commits += 1
        self.committed = True
        published, self.pending_events = self.pending_events, []
        self._store.committed_events.extend(published)
        if self._store.events is not None:
            await self._store.events.publish(published)


# --- event stream -------------------------------------------------------------------------------------------------


class FakeEventStream:
    """Implements `EventStream` in memory; `close` ends every subscription so a consumer's loop finishes."""

    def __init__(self) -> None:
        self._queues: dict[type[Event], list[asyncio.Queue[Event | None]]] = {}
        self._subscribed = asyncio.Condition()

    @contextlib.asynccontextmanager
    async def subscribe(self, event_type: type[E]) -> AsyncIterator[AsyncIterator[E]]:
        queue: asyncio.Queue[Event | None] = asyncio.Queue()
        async with self._subscribed:
            self._queues.setdefault(event_type, []).append(queue)
            self._subscribed.notify_all()
        try:
            yield _drain(queue, event_type)
        finally:
            self._queues[event_type].remove(queue)

    async def publish(self, events: Iterable[Event]) -> None:
        for event in events:
            for queue in self._queues.get(type(event), []):
                queue.put_nowait(event)

    def close(self) -> None:
        """End every active subscription after the events already queued."""
        for queues in self._queues.values():
            for queue in queues:
                queue.put_nowait(None)

    def subscriber_count(self, event_type: type[Event]) -> int:
        return len(self._queues.get(event_type, []))

    async def wait_for_subscribers(self, event_type: type[Event], count: int = 1) -> None:
        """Return once `count` subscriptions to `event_type` are active (a consumer starts listening lazily)."""
        async with asyncio.timeout(1), self._subscribed:
            await self._subscribed.wait_for(lambda: self.subscriber_count(event_type) >= count)


async def _drain(queue: asyncio.Queue[Event | None], event_type: type[E]) -> AsyncIterator[E]:
    while (item := await queue.get()) is not None:
        if isinstance(item, event_type):
            yield item
