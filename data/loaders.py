"""Per-request loaders: every relation field's read is batched, and hot reads go through the cache first.

Each batch opens its own short-lived connection: graphql-core resolves sibling fields concurrently, and a
session or connection must never be shared between concurrent tasks.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from aiodataloader import DataLoader

from data import catalog_sql, codecs, keys, pricing_sql
from data.cache import ReadThrough
from data.database import Database
from data.dependencies import DataKind, note_read
from data.product_details import ProductDetails, fetch_product_details
from data.product_listing import ListedRelations
from data.reads import RowSource
from data.whole_tables import WholeTables
from domain.catalog.attributes import AttributeValue
from domain.catalog.model import CategoryTree, Product, ProductImage, ProductTranslation, ProductVariant
from domain.inventory.model import StockLevel
from domain.pricing.summary import StoredPrices

K = TypeVar("K")
T = TypeVar("T")


class Once(Generic[T]):
    """A per-request memo for a value with no key (the category tree): loaded once, shared by all fields."""

    def __init__(self, load: Callable[[], Coroutine[Any, Any, T]]) -> None:
        self._load = load
        self._task: asyncio.Future[T] | None = None

    def get(self) -> Awaitable[T]:
        if self._task is None:
            self._task = asyncio.ensure_future(self._load())
        return self._task


class BatchLoader(DataLoader[K, T]):
    """aiodataloader's `DataLoader`, keyed by the keys themselves, that can also take a page's keys in bulk.

    A listing's page loads or primes dozens of keys per field. `load_many` pays per key for a queued future,
    its dispatch, and a done-callback of the `gather` around them, run on the event loop (≈ 5 % of a cold
    listing's instructions); `prefetch` calls the batch function once for the keys not cached yet and sets their
    futures, and `prime_many` sets known values, without a queue or a gather. The values and errors end up in the
    cache exactly as `load` would leave them, so the fields' own `load`s read them as before.
    """

    def __init__(self, batch_load_fn: Callable[[list[K]], Coroutine[Any, Any, list[T]]]) -> None:
        super().__init__(batch_load_fn)

    def load(self, key: K) -> asyncio.Future[T]:
        # Keys are their own cache keys: a hit costs one lookup (aiodataloader first calls `get_cache_key`).
        found: asyncio.Future[T] | None = self._cache.get(key)
        return found if found is not None else super().load(key)

    async def prefetch(self, keys: Iterable[K]) -> None:
        """Load every key not cached yet in one call of the batch function. Errors are left as `load` leaves
        them: a key's own error in its future; a failed call fails the futures waiting and is not cached, so that
        a later `load` tries again."""
        missing = [key for key in dict.fromkeys(keys) if key not in self._cache]
        if not missing:
            return
        futures = [self.loop.create_future() for _ in missing]
        self._cache.update(zip(missing, futures, strict=True))  # a `load` of one meanwhile waits for this call
        try:
            values = list(await self.batch_load_fn(missing))
            if len(values) != len(missing):
                raise TypeError(f"the batch function returned {len(values)} values for {len(missing)} keys")
        except Exception as error:  # as aiodataloader's failed dispatch: every waiting load fails, none is kept
            for key, future in zip(missing, futures, strict=True):
                self._cache.pop(key, None)
                _resolve(future, error)
            return
        except BaseException:  # cancelled: so are the loads waiting for it, and nothing is kept
            for key, future in zip(missing, futures, strict=True):
                self._cache.pop(key, None)
                future.cancel()
            raise
        for future, value in zip(futures, values, strict=True):
            _resolve(future, value)

    async def settle(self, keys: Iterable[K]) -> None:
        """Load the keys with this turn's other loads (one batch for the fields of many objects) and wait until
        they are loaded: a field that loads one of them afterwards finds its value at once, with no await.
        Errors are left as `load` leaves them."""
        futures = [self.load(key) for key in dict.fromkeys(keys)]
        for future in futures:
            if not future.done():  # the first waits for the batch; the batch settles the others with it
                with contextlib.suppress(Exception):
                    await future
        for future in futures:
            if future.done() and not future.cancelled():
                future.exception()  # retrieved: an error no field asks for again is not logged as lost

    def prime_many(self, values: Mapping[K, T]) -> None:
        """Cache known values, keeping any a key already has; an exception is cached as an error (as `prime` does)."""
        cache = self._cache
        for key, value in values.items():
            if key not in cache:
                future = cache[key] = self.loop.create_future()
                _resolve(future, value)


def _resolve(future: asyncio.Future[T], value: T | Exception) -> None:
    if isinstance(value, Exception):
        future.set_exception(value)
        future.exception()  # retrieved: a key no field reads again must not be logged as a lost error
    else:
        future.set_result(value)


@dataclass(slots=True)
class Loaders:
    product_by_id: DataLoader[int, Product | None]
    product_id_by_slug: DataLoader[str, int | None]
    variants_by_product: DataLoader[int, list[ProductVariant]]
    variant_by_id: DataLoader[int, ProductVariant | None]
    images_by_product: BatchLoader[int, list[ProductImage]]
    stock_by_variant: BatchLoader[int, StockLevel | None]
    category_tree: Once[CategoryTree]
    attribute_values: DataLoader[int, list[AttributeValue]]
    translation: DataLoader[tuple[int, str], ProductTranslation | None]
    product_id_by_translated_slug: DataLoader[tuple[str, str], int | None]
    # Not for the schema: what the loaders above and the readers share.
    details_by_product: DataLoader[int, ProductDetails | None]
    # Not a loader: (product ids, channel, its currency) -> the stored price summaries found, in one statement.
    stored_prices: Callable[[Sequence[int], str, str], Awaitable[dict[int, StoredPrices]]]
    # Not a loader: keep what a listing's page read with its products (images, stored prices) for the loads that
    # follow, which then need no statement.
    note_listed: Callable[[ListedRelations], None]
    whole_tables: WholeTables

    @staticmethod
    def note_availability_read() -> None:
        """Record that the response shows whether products can be bought (their `in_stock` flag, read with the
        product), so that a stock write that changes it drops the response from the response cache."""
        note_read(DataKind.AVAILABILITY)


def build_loaders(database: Database, cached: ReadThrough) -> Loaders:
    """Return fresh loaders for one request (a loader that outlives its request serves stale data)."""

    reads = database.reads

    def from_db(
        fetch: Callable[[RowSource, list[K]], Awaitable[Mapping[K, T]]],
    ) -> Callable[[list[K]], Awaitable[Mapping[K, T]]]:
        async def load(ids: list[K]) -> Mapping[K, T]:
            return await fetch(reads, ids)

        return load

    # Rows this request has already read with another statement: a miss is answered from them first (and still
    # fills the cache), so they cost no statement of their own.
    read_products: dict[int, Product] = {}
    read_stock: dict[int, StockLevel] = {}
    read_images: dict[int, list[ProductImage]] = {}

    def known_first(
        known: Mapping[K, T], fetch: Callable[[RowSource, list[K]], Awaitable[Mapping[K, T]]]
    ) -> Callable[[list[K]], Awaitable[Mapping[K, T]]]:
        async def load(ids: list[K]) -> Mapping[K, T]:
            found = {i: known[i] for i in ids if i in known}
            rest = [i for i in ids if i not in found]
            if rest:
                found.update(await fetch(reads, rest))
            return found

        return load

    async def products(ids: list[int]) -> list[Product | None]:
        return await cached.get(
            ids,
            cache_key=keys.product,
            load=known_first(read_products, catalog_sql.fetch_products),
            encode=codecs.encode_product,
            decode=codecs.decode_product,
        )

    async def products_by_slug(values: list[str]) -> Mapping[str, int]:
        # The whole product, and on PostgreSQL its images, in the same statement: the page asks for them next.
        found, found_images = await catalog_sql.fetch_products_by_slug(reads, values)
        read_products.update((product.id, product) for product in found.values())
        read_images.update(found_images)
        return {slug: product.id for slug, product in found.items()}

    async def slugs(values: list[str]) -> list[int | None]:
        return await cached.get(
            values, cache_key=keys.product_slug, load=products_by_slug, encode=codecs.dumps, decode=int
        )

    async def details(ids: list[int]) -> list[ProductDetails | None]:
        found = await fetch_product_details(reads, ids)
        return [found.get(i) for i in ids]

    # Referred to by name, not through the `Loaders` built below: a batch function that reached the object holding
    # its own loader would make a reference cycle, and the request's every loaded row would then wait for the
    # garbage collector instead of being freed when the request ends.
    details_by_product = DataLoader(details)

    async def variants_of(ids: list[int]) -> Mapping[int, list[ProductVariant]]:
        found = await details_by_product.load_many(ids)
        for product in found:
            if product is not None:  # the stock of variants handed out is asked for next
                read_stock.update((level.variant_id, level) for level in product.stock())
        return {d.product_id: d.variants() for d in found if d is not None}

    async def variants(ids: list[int]) -> list[list[ProductVariant]]:
        found = await cached.get(
            ids,
            cache_key=keys.variants,
            load=variants_of,
            encode=codecs.encode_variants,
            decode=codecs.decode_variants,
        )
        return [v or [] for v in found]

    async def variants_by_id(ids: list[int]) -> list[ProductVariant | None]:
        found = await catalog_sql.fetch_variants_by_id(reads, ids)
        return [found.get(i) for i in ids]

    async def images(ids: list[int]) -> list[list[ProductImage]]:
        found = await cached.get(
            ids,
            cache_key=keys.images,
            load=known_first(read_images, catalog_sql.fetch_images),
            encode=codecs.encode_images,
            decode=codecs.decode_images,
        )
        return [i or [] for i in found]

    async def stock(ids: list[int]) -> list[StockLevel | None]:
        note_read(DataKind.STOCK)
        return await cached.get(
            ids,
            cache_key=keys.stock,
            load=known_first(read_stock, catalog_sql.fetch_stock),
            encode=codecs.encode_stock,
            decode=codecs.decode_stock,
        )

    async def category_tree() -> CategoryTree:
        return (await tables.get()).categories

    async def attribute_values(ids: list[int]) -> list[list[AttributeValue]]:
        found = await cached.get(
            ids,
            cache_key=keys.attribute_values,
            load=from_db(catalog_sql.fetch_attribute_values),
            encode=codecs.encode_attribute_values,
            decode=codecs.decode_attribute_values,
        )
        return [v or [] for v in found]

    async def translation(pairs: list[tuple[int, str]]) -> list[ProductTranslation | None]:
        return await cached.get(
            pairs,
            cache_key=lambda pair: keys.translation(*pair),
            load=from_db(catalog_sql.fetch_translations),
            encode=codecs.encode_translation,
            decode=codecs.decode_translation,
        )

    async def translated_slugs(pairs: list[tuple[str, str]]) -> list[int | None]:
        return await cached.get(
            pairs,
            cache_key=lambda pair: keys.translated_slug(*pair),
            load=from_db(catalog_sql.fetch_product_id_by_translated_slug),
            encode=codecs.dumps,
            decode=int,
        )

    # Stored price rows a listing's page read with its products, per channel (None: the product has no listing
    # there), and the images it read: answered from here without a statement of their own.
    read_stored: dict[str, dict[int, pricing_sql.StoredRow | None]] = {}

    async def stored(product_ids: Sequence[int], channel: str, currency: str) -> dict[int, StoredPrices]:
        # Called once per channel with every product a request prices there (`PricingService.summarize_prices` is
        # itself behind a loader), so a loader of its own would only add a future per product. Not cached: a
        # summary is a few amounts, and the cache would have to follow every write that makes them out of date.
        known = read_stored.get(channel, {})
        rows = [row for pid in product_ids if (row := known.get(pid)) is not None]
        rest = [pid for pid in product_ids if pid not in known]
        if rest:
            rows += await pricing_sql.fetch_stored_rows(reads, rest, channel)
        return pricing_sql.to_stored_prices(rows, currency)

    images_by_product = BatchLoader(images)

    def note_listed(listed: ListedRelations) -> None:
        if listed.images:
            images_by_product.prime_many(listed.images)
        if listed.stored is not None:
            read_stored.setdefault(listed.channel, {}).update(listed.stored)

    tables = WholeTables(database, cached)
    return Loaders(
        product_by_id=DataLoader(products),
        product_id_by_slug=DataLoader(slugs),
        variants_by_product=DataLoader(variants),
        variant_by_id=DataLoader(variants_by_id),
        images_by_product=images_by_product,
        stock_by_variant=BatchLoader(stock),
        category_tree=Once(category_tree),
        attribute_values=DataLoader(attribute_values),
        translation=DataLoader(translation),
        product_id_by_translated_slug=DataLoader(translated_slugs),
        details_by_product=details_by_product,
        stored_prices=stored,
        note_listed=note_listed,
        whole_tables=tables,
    )
