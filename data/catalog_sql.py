"""The catalog's SQL: statements and row-to-domain mapping, shared by loaders, readers and repositories."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, func, literal, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from data import catalog_search
from data.tables import categories, images, products, stock, translations, variants
from domain.catalog.model import (
    Category,
    CategoryTree,
    Product,
    ProductImage,
    ProductQuery,
    ProductSlice,
    ProductSort,
    ProductSortField,
    ProductTranslation,
    ProductVariant,
    VariantOption,
)
from domain.inventory.model import StockLevel
from domain.shared.pagination import CursorKey

PRODUCT_COLUMNS = (
    products.c.id,
    products.c.name,
    products.c.slug,
    products.c.description,
    products.c.category_id,
    products.c.is_published,
    products.c.created_at,
    products.c.updated_at,
    products.c.published_at,
    products.c.seo_title,
    products.c.seo_description,
)


def to_product(row: Row[Any] | Any) -> Product:
    return Product(
        id=row.id,
        name=row.name,
        slug=row.slug,
        description=row.description,
        category_id=row.category_id,
        is_published=row.is_published,
        created_at=row.created_at,
        updated_at=row.updated_at,
        published_at=row.published_at,
        seo_title=row.seo_title,
        seo_description=row.seo_description,
    )


def to_variant(row: Row[Any]) -> ProductVariant:
    return ProductVariant(
        id=row.id,
        product_id=row.product_id,
        sku=row.sku,
        name=row.name,
        options=tuple(VariantOption(o["name"], o["value"]) for o in row.options),
        position=row.position,
    )


def select_products() -> Select[Any]:
    return select(*PRODUCT_COLUMNS)


async def fetch_products(conn: AsyncConnection, ids: Sequence[int]) -> dict[int, Product]:
    rows = await conn.execute(select_products().where(products.c.id.in_(ids)))
    return {row.id: to_product(row) for row in rows}


async def fetch_product_id_by_slug(conn: AsyncConnection, slugs: Sequence[str]) -> dict[str, int]:
    rows = await conn.execute(select(products.c.slug, products.c.id).where(products.c.slug.in_(slugs)))
    return {row.slug: row.id for row in rows}


async def fetch_variants(conn: AsyncConnection, product_ids: Sequence[int]) -> dict[int, list[ProductVariant]]:
    rows = await conn.execute(
        select(variants)
        .where(variants.c.product_id.in_(product_ids))
        .order_by(variants.c.product_id, variants.c.position, variants.c.id)
    )
    found: dict[int, list[ProductVariant]] = {pid: [] for pid in product_ids}
    for row in rows:
        found[row.product_id].append(to_variant(row))
    return found


async def fetch_translations(
    conn: AsyncConnection, keys: Sequence[tuple[int, str]]
) -> dict[tuple[int, str], ProductTranslation | None]:
    """Return each (product id, language) translation, `None` where there is none (worth caching too)."""
    rows = await conn.execute(
        select(translations).where(tuple_(translations.c.product_id, translations.c.language_code).in_(keys))
    )
    found: dict[tuple[int, str], ProductTranslation | None] = dict.fromkeys(keys)
    for row in rows:
        found[(row.product_id, row.language_code)] = ProductTranslation(
            product_id=row.product_id,
            language_code=row.language_code,
            name=row.name,
            slug=row.slug,
            description=row.description,
            seo_title=row.seo_title,
            seo_description=row.seo_description,
        )
    return found


async def fetch_product_id_by_translated_slug(
    conn: AsyncConnection, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], int]:
    """Return the product id for each (language, translated slug) that exists."""
    rows = await conn.execute(
        select(translations.c.language_code, translations.c.slug, translations.c.product_id).where(
            tuple_(translations.c.language_code, translations.c.slug).in_(keys)
        )
    )
    return {(row.language_code, row.slug): row.product_id for row in rows}


async def fetch_variants_by_id(conn: AsyncConnection, ids: Sequence[int]) -> dict[int, ProductVariant]:
    rows = await conn.execute(select(variants).where(variants.c.id.in_(ids)))
    return {row.id: to_variant(row) for row in rows}


async def fetch_images(conn: AsyncConnection, product_ids: Sequence[int]) -> dict[int, list[ProductImage]]:
    rows = await conn.execute(
        select(images)
        .where(images.c.product_id.in_(product_ids))
        .order_by(images.c.product_id, images.c.position, images.c.id)
    )
    found: dict[int, list[ProductImage]] = defaultdict(list)
    for pid in product_ids:
        found[pid] = []
    for row in rows:
        found[row.product_id].append(ProductImage(row.id, row.product_id, row.url, row.alt, row.position))
    return found


async def fetch_stock(conn: AsyncConnection, variant_ids: Sequence[int]) -> dict[int, StockLevel]:
    rows = await conn.execute(select(stock).where(stock.c.variant_id.in_(variant_ids)))
    found = {vid: StockLevel(vid, 0, 0) for vid in variant_ids}
    for row in rows:
        found[row.variant_id] = StockLevel(row.variant_id, row.quantity_on_hand, row.quantity_allocated)
    return found


async def fetch_category_tree(conn: AsyncConnection) -> CategoryTree:
    rows = await conn.execute(select(categories))
    return CategoryTree(
        Category(row.id, row.parent_id, row.name, row.slug, row.description, row.position) for row in rows
    )


def _sort_columns(query: ProductQuery) -> tuple[ColumnElement[Any], ...]:
    field = query.sort.field
    if field is ProductSortField.RELEVANCE and query.search is not None:
        return (catalog_search.relevance_key(query.search).label("relevance"), products.c.sort_name, products.c.id)
    if field is ProductSortField.NAME:
        return (products.c.sort_name, products.c.id)
    if field is ProductSortField.CREATED_AT:
        return (products.c.created_at, products.c.id)
    return (products.c.id,)


def _key_values(sort: ProductSort, key: CursorKey) -> tuple[Any, ...]:
    if sort.field is ProductSortField.CREATED_AT:
        return (datetime.fromisoformat(str(key[0])), key[1])
    return key


def _cursor_key(sort: ProductSort, row: Row[Any] | Any) -> CursorKey:
    if sort.field is ProductSortField.RELEVANCE:
        return (int(row.relevance), row.sort_name, row.id)
    if sort.field is ProductSortField.NAME:
        return (row.sort_name, row.id)
    if sort.field is ProductSortField.CREATED_AT:
        return (row.created_at.isoformat(), row.id)
    return (row.id,)


def _conditions(dialect: str, query: ProductQuery) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if query.visible_at is not None:
        conditions.append(products.c.is_published.is_(True))
        conditions.append(or_(products.c.published_at.is_(None), products.c.published_at <= query.visible_at))
    if query.category_ids is not None:
        conditions.append(products.c.category_id.in_(sorted(query.category_ids)))
    if query.in_stock is not None:
        available = (
            select(variants.c.id)
            .join(stock, stock.c.variant_id == variants.c.id)
            .where(variants.c.product_id == products.c.id, stock.c.quantity_on_hand > stock.c.quantity_allocated)
            .exists()
        )
        conditions.append(available if query.in_stock else ~available)
    if query.search is not None:
        conditions.append(catalog_search.matches(dialect, query.search))
    return conditions


async def fetch_product_slice(
    conn: AsyncConnection, query: ProductQuery, *, after: CursorKey | None, limit: int
) -> ProductSlice:
    """Read one keyset page in the query's order and the listing's total, in a single statement."""
    conditions = _conditions(conn.dialect.name, query)
    columns = _sort_columns(query)
    total = select(func.count()).select_from(products).where(*conditions).scalar_subquery()
    page = select(*PRODUCT_COLUMNS, *columns, total.label("total_count")).where(*conditions)
    if after is not None:
        position = tuple_(*(getattr(c, "element", c) for c in columns))
        values = tuple_(*(literal(v) for v in _key_values(query.sort, after)))
        page = page.where(position < values if query.sort.descending else position > values)
    order = [c.desc() if query.sort.descending else c.asc() for c in columns]
    rows = (await conn.execute(page.order_by(*order).limit(limit))).all()
    if rows:
        keys = [_cursor_key(query.sort, row) for row in rows]
        return ProductSlice([to_product(row) for row in rows], keys, rows[0].total_count)
    if after is None:
        return ProductSlice([], [], 0)
    count = await conn.scalar(select(func.count()).select_from(products).where(*conditions))
    return ProductSlice([], [], int(count or 0))
