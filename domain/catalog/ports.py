"""What the catalog needs from the outside world."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Protocol

from domain.catalog.attributes import Attribute
from domain.catalog.collections import Collection
from domain.catalog.facets import RawFacets
from domain.catalog.model import (
    NO_RELATIONS,
    Category,
    CategoryTree,
    PageRelations,
    Product,
    ProductQuery,
    ProductSlice,
    ProductTranslation,
    ProductVariant,
)
from domain.shared.pagination import CursorKey
from domain.shared.ports import UnitOfWork


class CatalogReader(Protocol):
    """Read-side access to the catalog, batched and cached by the implementation."""

    async def product(self, product_id: int) -> Product | None: ...

    async def product_by_slug(self, slug: str, *, language_code: str | None = None) -> Product | None:
        """Return the product with this slug, trying the language's translated slugs first."""
        ...

    async def translation(self, product_id: int, language_code: str) -> ProductTranslation | None: ...

    async def list_products(
        self,
        query: ProductQuery,
        *,
        after: CursorKey | None,
        limit: int,
        count_total: bool = True,
        relations: PageRelations = NO_RELATIONS,
    ) -> ProductSlice:
        """Return up to `limit` products in the query's order, strictly after the keyset position `after`; what
        `relations` names may be loaded with them, for the reads that follow."""
        ...

    async def category_tree(self) -> CategoryTree: ...

    async def attributes(self) -> Sequence[Attribute]: ...

    async def collections(self) -> Sequence[Collection]: ...

    async def channel_slugs(self) -> frozenset[str]:
        """Return the slugs of the channels listings can price in."""
        ...

    async def facets(self, query: ProductQuery, *, price_edges: Sequence[Decimal]) -> RawFacets:
        """Count the query's products per direct category, attribute value, and price bucket (by lower edge)."""
        ...

    async def vocabulary_near(self, words: Sequence[str]) -> Mapping[str, Sequence[str]]:
        """Return, per word, known catalogue words that could be what a mistyped word meant."""
        ...


class ProductRepository(Protocol):
    async def get(self, product_id: int) -> Product | None:
        """Load a product for change, locking it until the unit of work ends."""
        ...

    async def slug_taken(self, slug: str, *, exclude_id: int) -> bool: ...

    async def update(self, product: Product) -> None: ...


class CategoryRepository(Protocol):
    async def get(self, category_id: int) -> Category | None:
        """Load a category for change, locking it until the unit of work ends."""
        ...

    async def slug_taken(self, slug: str, *, exclude_id: int) -> bool: ...

    async def update(self, category: Category) -> None: ...


class VariantRepository(Protocol):
    async def get(self, variant_id: int) -> ProductVariant | None:
        """Load a variant for change, locking it until the unit of work ends."""
        ...

    async def sku_taken(self, sku: str, *, exclude_id: int) -> bool: ...

    async def update(self, variant: ProductVariant) -> None: ...


class CatalogUnitOfWork(UnitOfWork, Protocol):
    @property
    def products(self) -> ProductRepository: ...

    @property
    def categories(self) -> CategoryRepository: ...

    @property
    def variants(self) -> VariantRepository: ...
