"""The catalog's read port, answered through the request's loaders."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

from data import catalog_search, product_listing
from data.database import Database
from data.dependencies import note_read
from data.loaders import Loaders
from domain.catalog.attributes import Attribute
from domain.catalog.collections import Collection
from domain.catalog.facets import RawFacets
from domain.catalog.model import (
    NO_RELATIONS,
    CategoryTree,
    PageRelations,
    Product,
    ProductQuery,
    ProductSlice,
    ProductTranslation,
)
from domain.shared.pagination import CursorKey


class SqlCatalogReader:
    """Implements `CatalogReader` for one request."""

    def __init__(self, database: Database, loaders: Loaders, *, default_channel: str) -> None:
        self._database = database
        self._loaders = loaders
        self._default_channel = default_channel  # where prices are read when a query names no channel

    async def product(self, product_id: int) -> Product | None:
        return await self._loaders.product_by_id.load(product_id)

    async def product_by_slug(self, slug: str, *, language_code: str | None = None) -> Product | None:
        if language_code is not None:
            translated = await self._loaders.product_id_by_translated_slug.load((language_code, slug))
            if translated is not None:
                return await self._loaders.product_by_id.load(translated)
        product_id = await self._loaders.product_id_by_slug.load(slug)
        if product_id is None:
            return None
        product = await self._loaders.product_by_id.load(product_id)
        # A cached slug can outlive a rename by a moment; never answer with a product under another slug.
        return product if product is not None and product.slug == slug else None

    async def translation(self, product_id: int, language_code: str) -> ProductTranslation | None:
        return await self._loaders.translation.load((product_id, language_code))

    async def list_products(
        self,
        query: ProductQuery,
        *,
        after: CursorKey | None,
        limit: int,
        count_total: bool = True,
        relations: PageRelations = NO_RELATIONS,
    ) -> ProductSlice:
        note_read(*product_listing.kinds_read(query))
        found, related = await product_listing.fetch_product_slice(
            self._database.reads,
            query,
            after=after,
            limit=limit,
            count_total=count_total,
            images=relations.images,
            prices_in=(relations.channel or self._default_channel) if relations.prices else None,
        )
        for product in found.items:
            self._loaders.product_by_id.prime(product.id, product)
        self._loaders.note_listed(related)
        return found

    async def category_tree(self) -> CategoryTree:
        return await self._loaders.category_tree.get()

    async def attributes(self) -> Sequence[Attribute]:
        return (await self._loaders.whole_tables.get()).attributes

    async def collections(self) -> Sequence[Collection]:
        return (await self._loaders.whole_tables.get()).collections

    async def channel_slugs(self) -> frozenset[str]:
        return frozenset(c.slug for c in (await self._loaders.whole_tables.get()).channels)

    async def facets(self, query: ProductQuery, *, price_edges: Sequence[Decimal]) -> RawFacets:
        note_read(*product_listing.kinds_read(query))
        async with self._database.read() as conn:
            return await product_listing.fetch_facets(conn, query, price_edges=tuple(price_edges))

    async def vocabulary_near(self, words: Sequence[str]) -> Mapping[str, Sequence[str]]:
        return await catalog_search.vocabulary_near(self._database.reads, words)
