"""Catalog entities and value objects, with the pure rules that govern them."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from domain.catalog.attributes import AttributeFilter, AttributeFilterInput, NumberRange
from domain.catalog.errors import InvalidLanguageCode, InvalidProductName, InvalidSku, InvalidSlug
from domain.catalog.search import RELEVANCE_TIERS, SearchQuery
from domain.shared.pagination import InvalidCursor

MAX_NAME_LENGTH = 250
MAX_SLUG_LENGTH = 255
_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
MAX_SKU_LENGTH = 64
_SKU = re.compile(r"[A-Za-z0-9._/-]+")


@dataclass(frozen=True, slots=True)
class Category:
    id: int
    parent_id: int | None
    name: str
    slug: str
    description: str
    position: int

    def edit(self, *, name: str | None, slug: str | None, description: str | None) -> Category:
        """Return the category with the given fields changed, after checking each one."""
        return replace(
            self,
            name=self.name if name is None else validate_name(name),
            slug=self.slug if slug is None else validate_slug(slug),
            description=self.description if description is None else description.strip(),
        )


@dataclass(frozen=True, slots=True)
class Product:
    id: int
    name: str
    slug: str
    description: str
    category_id: int | None
    is_published: bool
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None = None  # shoppers see a published product from this moment on
    seo_title: str | None = None
    seo_description: str | None = None
    # Whether a variant has stock to sell now: derived from stock levels, kept by every stock write (never edited).
    in_stock: bool = False

    def is_visible_at(self, now: datetime) -> bool:
        """Tell whether shoppers see the product at a moment: published, and its publication date reached."""
        return self.is_published and (self.published_at is None or self.published_at <= now)

    def seo(self) -> Seo:
        """Return the search-engine title and description, falling back to the name and description."""
        return Seo(
            title=self.seo_title or self.name,
            description=self.seo_description or _excerpt(self.description, SEO_DESCRIPTION_LENGTH),
        )

    def edit(
        self,
        *,
        name: str | None = None,
        slug: str | None = None,
        description: str | None = None,
        category_id: int | None = None,
        is_published: bool | None = None,
        at: datetime,
    ) -> Product:
        """Return the product with the given fields changed (`None`: unchanged), after checking each one; whether
        `category_id` names a category is the caller's to check."""
        return replace(
            self,
            name=self.name if name is None else validate_name(name),
            slug=self.slug if slug is None else validate_slug(slug),
            description=self.description if description is None else description.strip(),
            category_id=self.category_id if category_id is None else category_id,
            is_published=self.is_published if is_published is None else is_published,
            updated_at=at,
        )


SEO_DESCRIPTION_LENGTH = 160
MAX_LANGUAGE_CODE_LENGTH = 8
_LANGUAGE = re.compile(r"[a-z]{2,3}(?:-[A-Z]{2})?")


@dataclass(frozen=True, slots=True)
class Seo:
    title: str
    description: str


def _excerpt(text: str, length: int) -> str:
    flat = " ".join(text.split())
    if len(flat) <= length:
        return flat
    return flat[: length - 1].rsplit(" ", 1)[0] + "…"


@dataclass(frozen=True, slots=True)
class ProductTranslation:
    """A product's shopper-facing text in one language; a missing field falls back to the default language."""

    product_id: int
    language_code: str
    name: str | None = None
    slug: str | None = None
    description: str | None = None
    seo_title: str | None = None
    seo_description: str | None = None


@dataclass(frozen=True, slots=True)
class LocalizedText:
    language_code: str
    name: str
    slug: str
    description: str
    seo: Seo


def validate_language_code(code: str) -> str:
    """Return a language code such as `fr` or `pt-BR`, or refuse another shape."""
    if len(code) > MAX_LANGUAGE_CODE_LENGTH or not _LANGUAGE.fullmatch(code):
        raise InvalidLanguageCode(f"{code!r} is not a language code such as fr or pt-BR.", field="languageCode")
    return code


def localize(product: Product, translation: ProductTranslation | None, *, language_code: str) -> LocalizedText:
    """Return the product's text in a language, each missing field taken from the default language."""
    fallback = product.seo()
    if translation is None:
        return LocalizedText(language_code, product.name, product.slug, product.description, fallback)
    name = translation.name or product.name
    description = translation.description or product.description
    return LocalizedText(
        language_code=language_code,
        name=name,
        slug=translation.slug or product.slug,
        description=description,
        seo=Seo(
            title=translation.seo_title or (name if translation.name else fallback.title),
            description=translation.seo_description
            or (_excerpt(description, SEO_DESCRIPTION_LENGTH) if translation.description else fallback.description),
        ),
    )


@dataclass(frozen=True, slots=True)
class VariantOption:
    name: str
    value: str


@dataclass(frozen=True, slots=True)
class ProductVariant:
    id: int
    product_id: int
    sku: str
    name: str
    options: tuple[VariantOption, ...]
    position: int

    def edit(self, *, name: str | None, sku: str | None) -> ProductVariant:
        """Return the variant with the given fields changed, after checking each one (a variant's name may be
        empty: a product with one variant needs none)."""
        if name is not None and len(name.strip()) > MAX_NAME_LENGTH:
            raise InvalidProductName(f"A name is at most {MAX_NAME_LENGTH} characters.", field="name")
        return replace(
            self,
            name=self.name if name is None else name.strip(),
            sku=self.sku if sku is None else validate_sku(sku),
        )


@dataclass(frozen=True, slots=True)
class ProductImage:
    id: int
    product_id: int
    url: str
    alt: str
    position: int


class ProductSortField(StrEnum):
    DEFAULT = "id"
    NAME = "name"
    CREATED_AT = "created_at"
    RELEVANCE = "relevance"
    PRICE = "price"  # the lowest entered price in the query's channel, before promotions
    POSITION = "position"  # the order staff picked a manual collection's products in


@dataclass(frozen=True, slots=True)
class ProductSort:
    """A listing order; the product id breaks ties, in the same direction, so every order is total."""

    field: ProductSortField = ProductSortField.DEFAULT
    descending: bool = False

    @property
    def scope(self) -> str:
        """Name the listing order, so a cursor of one order is refused by another."""
        return f"products:{self.field.value}:{'desc' if self.descending else 'asc'}"

    @property
    def shape(self) -> tuple[type[str] | type[int], ...]:
        if self.field is ProductSortField.RELEVANCE:
            return (int, str, int)  # (minus the relevance tier, sort name, id)
        if self.field is ProductSortField.POSITION:
            return (int, int)
        return (int,) if self.field is ProductSortField.DEFAULT else (str, int)

    def check_key(self, key: tuple[str | int, ...]) -> None:
        """Refuse a cursor key that this order could not have produced."""
        try:
            if self.field is ProductSortField.CREATED_AT:
                datetime.fromisoformat(str(key[0]))
            if self.field is ProductSortField.PRICE and not Decimal(str(key[0])).is_finite():
                raise ValueError
            if self.field is ProductSortField.RELEVANCE and -int(key[0]) not in RELEVANCE_TIERS:
                raise ValueError  # a relevance cursor holds minus its row's tier
        except (ValueError, ArithmeticError):
            raise InvalidCursor("The cursor is malformed.", field="after") from None

    def key(self, product: Product) -> tuple[str | int, ...]:
        """Return the product's position in this order (what its cursor holds); relevance needs the search."""
        if self.field in (ProductSortField.RELEVANCE, ProductSortField.PRICE, ProductSortField.POSITION):
            raise ValueError("this position depends on the search or the channel: the reader returns it")
        if self.field is ProductSortField.NAME:
            return (sort_name(product.name), product.id)
        if self.field is ProductSortField.CREATED_AT:
            return (product.created_at.isoformat(), product.id)
        return (product.id,)


def sort_name(name: str) -> str:
    """Return the form of a name that listings sort by: case-insensitive, then by code point."""
    return name.casefold()


@dataclass(frozen=True, slots=True)
class ProductCriteria:
    """What a caller asks of a product listing, before it is checked and resolved into a `ProductQuery`."""

    category_id: int | None = None
    collection_id: int | None = None
    in_stock: bool | None = None
    search: str | None = None
    attributes: tuple[AttributeFilterInput, ...] = ()
    channel: str | None = None
    price_range: NumberRange | None = None
    sort: ProductSort | None = None


@dataclass(frozen=True, slots=True)
class ProductQuery:
    """What a product listing asks for; `category_ids` is already expanded to the whole subtree."""

    category_ids: frozenset[int] | None = None
    visible_at: datetime | None = None  # shoppers: only products visible at this moment; staff: None, all
    in_stock: bool | None = None
    search: SearchQuery | None = None
    attributes: tuple[AttributeFilter, ...] = ()
    channel: str | None = None  # where `price_range` and the price sort look; products it does not sell drop out
    price_range: NumberRange | None = None
    collection_id: int | None = None  # products picked into a manual collection
    created_after: datetime | None = None
    sort: ProductSort = ProductSort()


@dataclass(frozen=True, slots=True)
class PageRelations:
    """What a caller will read of each product of a page besides the product itself, so that a reader may load it
    with the page instead of afterwards (Vendure's `relations`). A reader may ignore it: these are loaded on demand
    anyway, and the answers are the same either way."""

    images: bool = False
    prices: bool = False  # the prices in `channel` (the default channel when None)
    channel: str | None = None


NO_RELATIONS = PageRelations()


@dataclass(frozen=True, slots=True)
class ProductSlice:
    """Rows of a listing after a keyset position, each with its position, and how many rows match in all."""

    items: list[Product]
    keys: list[tuple[str | int, ...]]
    total_count: int | None  # None when not asked for


def validate_name(name: str) -> str:
    """Return the trimmed name, or refuse an empty or over-long one."""
    cleaned = name.strip()
    if not cleaned:
        raise InvalidProductName("A name cannot be empty.", field="name")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise InvalidProductName(f"A name is at most {MAX_NAME_LENGTH} characters.", field="name")
    return cleaned


def validate_sku(sku: str) -> str:
    """Return the trimmed SKU, or refuse one that is empty, over-long or holds other than letters, digits, `-_./`."""
    cleaned = sku.strip()
    if not cleaned or len(cleaned) > MAX_SKU_LENGTH or not _SKU.fullmatch(cleaned):
        raise InvalidSku(
            f"A SKU is 1 to {MAX_SKU_LENGTH} letters, digits, hyphens, underscores, dots or slashes.", field="sku"
        )
    return cleaned


def validate_slug(slug: str) -> str:
    """Return the slug, or refuse one that is not lowercase words joined by hyphens."""
    if len(slug) > MAX_SLUG_LENGTH or not _SLUG.fullmatch(slug):
        raise InvalidSlug("A slug is lowercase letters and digits joined by single hyphens.", field="slug")
    return slug


class CategoryTree:
    """All categories, indexed for walking up and down the tree."""

    __slots__ = ("_by_id", "_by_slug", "_children")

    def __init__(self, categories: Iterable[Category]) -> None:
        ordered = sorted(categories, key=lambda c: (c.position, c.name, c.id))
        self._by_id: dict[int, Category] = {c.id: c for c in ordered}
        self._by_slug: dict[str, Category] = {c.slug: c for c in ordered}
        self._children: dict[int | None, list[Category]] = {}
        for category in ordered:
            self._children.setdefault(category.parent_id, []).append(category)

    def __iter__(self) -> Iterator[Category]:
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    @property
    def by_id(self) -> Mapping[int, Category]:
        return self._by_id

    def get(self, category_id: int) -> Category | None:
        """Return the category with this id, if any."""
        return self._by_id.get(category_id)

    def by_slug(self, slug: str) -> Category | None:
        """Return the category with this slug, if any."""
        return self._by_slug.get(slug)

    def children(self, category_id: int | None) -> list[Category]:
        """Return the direct children of a category (of the root when `None`), in display order."""
        return list(self._children.get(category_id, ()))

    def subtree_ids(self, category_id: int) -> frozenset[int]:
        """Return the ids of a category and all its descendants."""
        found: set[int] = set()
        stack = [category_id]
        while stack:
            current = stack.pop()
            if current in found:
                continue
            found.add(current)
            stack.extend(child.id for child in self._children.get(current, ()))
        return frozenset(found)

    def ancestors(self, category_id: int) -> list[Category]:
        """Return the path from the root down to the category's parent."""
        path: list[Category] = []
        current = self._by_id.get(category_id)
        seen: set[int] = set()
        while current is not None and current.parent_id is not None and current.parent_id not in seen:
            seen.add(current.parent_id)
            parent = self._by_id.get(current.parent_id)
            if parent is None:
                break
            path.append(parent)
            current = parent
        path.reverse()
        return path
