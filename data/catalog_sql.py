"""The catalog's SQL: statements and row-to-domain mapping, shared by loaders, readers and repositories."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from functools import cache
from typing import Any

from orjson import loads
from sqlalchemy import ColumnElement, Row, Select, bindparam, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncConnection

from data.batches import batched
from data.reads import RowSource
from data.sql_lists import any_of
from data.tables import (
    attribute_choices,
    attributes,
    categories,
    collections,
    images,
    product_attributes,
    products,
    stock,
    translations,
    variants,
)
from data.whole_tables_sql import Source, json_rows
from domain.catalog.attributes import Attribute, AttributeChoice, AttributeKind, AttributeValue
from domain.catalog.collections import Collection, CollectionKind, CollectionRule
from domain.catalog.model import (
    Category,
    CategoryTree,
    Product,
    ProductImage,
    ProductTranslation,
    ProductVariant,
    VariantOption,
)
from domain.inventory.model import StockLevel

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
    products.c.in_stock,
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
        in_stock=row.in_stock,
    )


def to_variant(row: Row[Any] | Any) -> ProductVariant:
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


# The loaders' statements are built once per dialect (and key column), and executed with their keys as `keys`:
# building and keying a select cost more of the API's time than running it (docs/architecture.md).


@cache
def _products_where(dialect: str, key: str) -> Select[Any]:
    return select_products().where(any_of(dialect, products.c[key], "keys"))


async def fetch_products(reads: RowSource, ids: Sequence[int]) -> dict[int, Product]:
    rows = await reads.rows(_products_where(reads.dialect.name, "id"), {"keys": list(ids)})
    return {row.id: to_product(row) for row in rows}


@cache
def _products_by_slug(dialect: str) -> Select[Any]:
    found = _products_where(dialect, "slug")
    return found.add_columns(listed_images()) if dialect == "postgresql" else found


async def fetch_products_by_slug(
    reads: RowSource, slugs: Sequence[str]
) -> tuple[dict[str, Product], dict[int, list[ProductImage]]]:
    """Return the products with these slugs; on PostgreSQL also their images, read in the same statement (a
    product page, which finds its product by slug, shows them next), and on SQLite no images (loaded when asked)."""
    dialect = reads.dialect.name
    rows = await reads.rows(_products_by_slug(dialect), {"keys": list(slugs)})
    found = {row.slug: to_product(row) for row in rows}
    return found, ({row.id: images_of(row.id, row.images) for row in rows} if dialect == "postgresql" else {})


@cache
def _translations_statement() -> Select[Any]:
    keys = tuple_(translations.c.product_id, translations.c.language_code)
    return select(translations).where(keys.in_(bindparam("keys", expanding=True)))


@cache
def _translated_slugs_statement() -> Select[Any]:
    keys = tuple_(translations.c.language_code, translations.c.slug)
    columns = (translations.c.language_code, translations.c.slug, translations.c.product_id)
    return select(*columns).where(keys.in_(bindparam("keys", expanding=True)))


async def fetch_translations(
    reads: RowSource, keys: Sequence[tuple[int, str]]
) -> dict[tuple[int, str], ProductTranslation | None]:
    """Return each (product id, language) translation, `None` where there is none (worth caching too)."""
    rows = await reads.rows(_translations_statement(), {"keys": list(keys)})
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
    reads: RowSource, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], int]:
    """Return the product id for each (language, translated slug) that exists."""
    rows = await reads.rows(_translated_slugs_statement(), {"keys": list(keys)})
    return {(row.language_code, row.slug): row.product_id for row in rows}


@cache
def _variants_statement(dialect: str) -> Select[Any]:
    return select(variants).where(any_of(dialect, variants.c.id, "keys"))


async def fetch_variants_by_id(reads: RowSource, ids: Sequence[int]) -> dict[int, ProductVariant]:
    rows = await reads.rows(_variants_statement(reads.dialect.name), {"keys": list(ids)})
    return {row.id: to_variant(row) for row in rows}


@cache
def _images_statement(dialect: str) -> Select[Any]:
    # Built once per dialect: building and keying the expression cost more than running it (data/product_details.py).
    # The columns in `ProductImage`'s order: each row is its arguments.
    columns = (images.c.id, images.c.product_id, images.c.url, images.c.alt, images.c.position)
    return (
        select(*columns)
        .where(any_of(dialect, images.c.product_id, "product_ids"))
        .order_by(images.c.product_id, images.c.position, images.c.id)
    )


_LISTED_IMAGES = Source(images, ("id", "url", "alt", "position"))


def listed_images() -> ColumnElement[Any]:
    """Return a column of a listing's statement (PostgreSQL): each listed product's images in display order, as
    JSON text (`images_of`), which costs asyncpg far less to read than records (docs/performance.md)."""
    each = json_rows("postgresql", _LISTED_IMAGES, order_by=(images.c.position, images.c.id))
    return each.where(images.c.product_id == products.c.id).correlate(products).scalar_subquery().label("images")


def images_of(product_id: int, text: str | None) -> list[ProductImage]:
    """Return the images of one product read by `listed_images` (their columns need no conversion)."""
    if text is None:
        return []
    return [ProductImage(image_id, product_id, url, alt, position) for image_id, url, alt, position in loads(text)]


async def fetch_images(reads: RowSource, product_ids: Sequence[int]) -> dict[int, list[ProductImage]]:
    rows = await reads.rows(_images_statement(reads.dialect.name), {"product_ids": list(product_ids)})
    found: dict[int, list[ProductImage]] = {pid: [] for pid in product_ids}
    # Unpacked by position: a listing reads dozens of rows, and attribute access by name costs more than building
    # the images.
    for row in rows:
        found[row[1]].append(ProductImage(*row))
    return found


@cache
def _stock_statement(dialect: str) -> Select[Any]:
    return select(stock).where(any_of(dialect, stock.c.variant_id, "keys"))


async def fetch_stock(reads: RowSource, variant_ids: Sequence[int]) -> dict[int, StockLevel]:
    rows = await reads.rows(_stock_statement(reads.dialect.name), {"keys": list(variant_ids)})
    found = {vid: StockLevel(vid, 0, 0) for vid in variant_ids}
    for row in rows:
        found[row.variant_id] = StockLevel(row.variant_id, row.quantity_on_hand, row.quantity_allocated)
    return found


async def refresh_availability(conn: AsyncConnection, product_ids: Sequence[int]) -> list[int]:
    """Recompute whether each product has a variant with stock to sell (`products.in_stock`, what `inStock` filters
    by), and return the products whose flag changed. Call it in the transaction that changed the stock, after
    locking the products (see `SqlStockRepository`)."""
    sellable = (
        select(variants.c.id)
        .join(stock, stock.c.variant_id == variants.c.id)
        .where(variants.c.product_id == products.c.id, stock.c.quantity_on_hand > stock.c.quantity_allocated)
        .exists()
    )
    changed: list[int] = []
    for chunk in batched(product_ids):
        flipped = await conn.execute(
            update(products)
            .where(products.c.id.in_(chunk), products.c.in_stock.is_distinct_from(sellable))
            .values(in_stock=sellable)
            .returning(products.c.id)
        )
        changed.extend(flipped.scalars())
    return changed


async def fetch_category_tree(conn: AsyncConnection) -> CategoryTree:
    return to_category_tree(await conn.execute(select(categories)))


def to_category_tree(rows: Iterable[Any]) -> CategoryTree:
    return CategoryTree(
        Category(row.id, row.parent_id, row.name, row.slug, row.description, row.position) for row in rows
    )


async def fetch_attributes(conn: AsyncConnection) -> list[Attribute]:
    """Return every attribute with its choices, in display order (two statements, cached together)."""
    choices = await conn.execute(select(attribute_choices))
    return to_attributes(await conn.execute(select(attributes)), choices)


def to_attributes(rows: Iterable[Any], choice_rows: Iterable[Any]) -> list[Attribute]:
    """Return attributes with their choices, each in display order, from rows of the two tables."""
    choices: dict[int, list[AttributeChoice]] = {}
    for row in sorted(choice_rows, key=lambda r: (r.position, r.id)):
        choices.setdefault(row.attribute_id, []).append(AttributeChoice(row.id, row.slug, row.name))
    return [
        Attribute(r.id, r.slug, r.name, AttributeKind(r.kind), r.unit, tuple(choices.get(r.id, ())))
        for r in sorted(rows, key=lambda r: (r.position, r.id))
    ]


async def fetch_collections(conn: AsyncConnection) -> list[Collection]:
    return to_collections(await conn.execute(select(collections)))


def to_collections(rows: Iterable[Any]) -> list[Collection]:
    """Return collections in display order."""
    return [
        Collection(
            id=r.id,
            slug=r.slug,
            name=r.name,
            description=r.description,
            kind=CollectionKind(r.kind),
            rule=None if r.rule is None else collection_rule(r.rule),
            position=r.position,
        )
        for r in sorted(rows, key=lambda r: (r.position, r.id))
    ]


def collection_rule(raw: dict[str, Any]) -> CollectionRule:
    max_price = raw.get("max_price")
    return CollectionRule(
        created_within_days=raw.get("created_within_days"),
        max_price=None if max_price is None else Decimal(str(max_price)),
        channel=raw.get("channel"),
    )


def _plain(number: Decimal) -> Decimal:
    """Drop the storage scale's trailing zeros (1.2000 -> 1.2), never turning into an exponent (10 stays 10)."""
    normalized = number.normalize()
    return normalized.quantize(Decimal(1)) if normalized == normalized.to_integral() else normalized


@cache
def _attribute_values_statement(dialect: str) -> Select[Any]:
    return (
        select(product_attributes)
        .where(any_of(dialect, product_attributes.c.product_id, "keys"))
        .order_by(product_attributes.c.product_id, product_attributes.c.attribute_id, product_attributes.c.id)
    )


async def fetch_attribute_values(reads: RowSource, product_ids: Sequence[int]) -> dict[int, list[AttributeValue]]:
    rows = await reads.rows(_attribute_values_statement(reads.dialect.name), {"keys": list(product_ids)})
    found: dict[int, list[AttributeValue]] = {pid: [] for pid in product_ids}
    for r in rows:
        found[r.product_id].append(
            AttributeValue(
                r.attribute_id,
                r.choice_id,
                None if r.number_value is None else _plain(r.number_value),
                r.boolean_value,
                r.text_value,
            )
        )
    return found
