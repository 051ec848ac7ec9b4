"""Product listings in SQL: filters, keyset pages in every order, totals and facets."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, FromClause, Row, case, func, literal, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from data import catalog_search
from data.catalog_sql import PRODUCT_COLUMNS, to_product
from data.dependencies import DataKind
from data.tables import (
    collection_products,
    product_attributes,
    product_channel_listings,
    products,
)
from domain.catalog.facets import RawFacets, ValueCount
from domain.catalog.model import ProductQuery, ProductSlice, ProductSort, ProductSortField
from domain.shared.pagination import CursorKey


def kinds_read(query: ProductQuery) -> tuple[DataKind, ...]:
    """Return the kinds of data a listing's rows, order and counts depend on, besides the catalog."""
    kinds: list[DataKind] = []
    if query.in_stock is not None:
        kinds.append(DataKind.AVAILABILITY)  # `products.in_stock`, kept by stock writes
    if query.channel is not None:
        kinds.append(DataKind.PRICES)  # the channel's listings: who is sold there, at what lowest price
    return tuple(kinds)


def _sort_columns(query: ProductQuery) -> tuple[ColumnElement[Any], ...]:
    field = query.sort.field
    if field is ProductSortField.RELEVANCE and query.search is not None:
        return (catalog_search.relevance_key(query.search).label("relevance"), products.c.sort_name, products.c.id)
    if field is ProductSortField.NAME:
        return (products.c.sort_name, products.c.id)
    if field is ProductSortField.CREATED_AT:
        return (products.c.created_at, products.c.id)
    if field is ProductSortField.PRICE and query.channel is not None:
        return (product_channel_listings.c.min_price, products.c.id)
    if field is ProductSortField.POSITION and query.collection_id is not None:
        return (collection_products.c.position, products.c.id)
    return (products.c.id,)


def _key_values(sort: ProductSort, key: CursorKey) -> tuple[Any, ...]:
    if sort.field is ProductSortField.CREATED_AT:
        return (datetime.fromisoformat(str(key[0])), key[1])
    if sort.field is ProductSortField.PRICE:
        return (Decimal(str(key[0])), key[1])
    return key


def _cursor_key(sort: ProductSort, row: Row[Any] | Any) -> CursorKey:
    if sort.field is ProductSortField.RELEVANCE:
        return (int(row.relevance), row.sort_name, row.id)
    if sort.field is ProductSortField.NAME:
        return (row.sort_name, row.id)
    if sort.field is ProductSortField.CREATED_AT:
        return (row.created_at.isoformat(), row.id)
    if sort.field is ProductSortField.PRICE:
        return (str(row.min_price), row.id)
    if sort.field is ProductSortField.POSITION:
        return (int(row.position), row.id)
    return (row.id,)


def _conditions(dialect: str, query: ProductQuery) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if query.visible_at is not None:
        conditions.append(products.c.is_published.is_(True))
        conditions.append(or_(products.c.published_at.is_(None), products.c.published_at <= query.visible_at))
    if query.category_ids is not None:
        conditions.append(products.c.category_id.in_(sorted(query.category_ids)))
    if query.in_stock is not None:
        # Spelled without a parameter so that the partial index `ix_products_out_of_stock` matches it.
        conditions.append(products.c.in_stock if query.in_stock else ~products.c.in_stock)
    if query.search is not None:
        conditions.append(catalog_search.matches(dialect, query.search))
    if query.collection_id is not None:
        members = select(collection_products.c.product_id).where(
            collection_products.c.collection_id == query.collection_id
        )
        conditions.append(products.c.id.in_(members))
    if query.created_after is not None:
        conditions.append(products.c.created_at >= query.created_after)
    if query.price_range is not None:
        if query.price_range.minimum is not None:
            conditions.append(product_channel_listings.c.min_price >= query.price_range.minimum)
        if query.price_range.maximum is not None:
            conditions.append(product_channel_listings.c.min_price <= query.price_range.maximum)
    return [*conditions, *attribute_conditions(query)]


def listed_products(query: ProductQuery) -> FromClause:
    """Return the products, joined to their channel listing when the query prices (products not sold drop out),
    and to their collection membership when sorted in the collection's own order."""
    source: FromClause = products
    if query.channel is not None:
        source = source.join(
            product_channel_listings,
            (product_channel_listings.c.product_id == products.c.id)
            & (product_channel_listings.c.channel_slug == query.channel),
        )
    if query.sort.field is ProductSortField.POSITION and query.collection_id is not None:
        source = source.join(
            collection_products,
            (collection_products.c.product_id == products.c.id)
            & (collection_products.c.collection_id == query.collection_id),
        )
    return source


async def fetch_product_slice(
    conn: AsyncConnection, query: ProductQuery, *, after: CursorKey | None, limit: int, count_total: bool = True
) -> ProductSlice:
    """Read one keyset page in the query's order and, when asked, the listing's total, in a single statement."""
    conditions = _conditions(conn.dialect.name, query)
    columns = _sort_columns(query)
    source = listed_products(query)
    total = select(func.count()).select_from(source).where(*conditions).scalar_subquery()
    counted = [total.label("total_count")] if count_total else []
    page = select(*PRODUCT_COLUMNS, *columns, *counted).select_from(source).where(*conditions)
    if after is not None:
        keyed = [getattr(c, "element", c) for c in columns]
        position = tuple_(*keyed)
        # Each value bound as its column's type: an amount is stored as a scaled integer on SQLite, and a bare
        # Decimal compared with it put the cursor's own row after the cursor again (the same page for ever).
        values = tuple_(*(literal(v, c.type) for c, v in zip(keyed, _key_values(query.sort, after), strict=True)))
        page = page.where(position < values if query.sort.descending else position > values)
    order = [c.desc() if query.sort.descending else c.asc() for c in columns]
    rows = (await conn.execute(page.order_by(*order).limit(limit))).all()
    if rows or not count_total:
        keys = [_cursor_key(query.sort, row) for row in rows]
        return ProductSlice([to_product(row) for row in rows], keys, rows[0].total_count if count_total else None)
    if after is None:
        return ProductSlice([], [], 0)
    count = await conn.scalar(select(func.count()).select_from(source).where(*conditions))
    return ProductSlice([], [], int(count or 0))


def attribute_conditions(query: ProductQuery) -> list[ColumnElement[bool]]:
    """Return one EXISTS per attribute filter: a product must match every attribute asked for."""
    conditions: list[ColumnElement[bool]] = []
    for wanted in query.attributes:
        match = select(product_attributes.c.id).where(
            product_attributes.c.product_id == products.c.id, product_attributes.c.attribute_id == wanted.attribute_id
        )
        if wanted.choice_ids:
            match = match.where(product_attributes.c.choice_id.in_(sorted(wanted.choice_ids)))
        if wanted.number_range is not None:
            if wanted.number_range.minimum is not None:
                match = match.where(product_attributes.c.number_value >= wanted.number_range.minimum)
            if wanted.number_range.maximum is not None:
                match = match.where(product_attributes.c.number_value <= wanted.number_range.maximum)
        if wanted.boolean is not None:
            match = match.where(product_attributes.c.boolean_value.is_(wanted.boolean))
        conditions.append(match.exists())
    return conditions


async def fetch_facets(conn: AsyncConnection, query: ProductQuery, *, price_edges: tuple[Decimal, ...]) -> RawFacets:
    """Count the listing's products per direct category, attribute value and price bucket: two statements.

    Categories and price buckets come from one pass over the listing (grouped by both, then summed each way), since
    walking a large listing, not grouping it, is what costs (docs/catalog-queries.md).
    """
    conditions = _conditions(conn.dialect.name, query)
    source = listed_products(query)
    groups: list[ColumnElement[Any]] = [products.c.category_id]
    if query.channel is not None:
        price = product_channel_listings.c.min_price
        bucket = case(*((price >= edge, index) for index, edge in reversed(list(enumerate(price_edges)))), else_=0)
        groups.append(bucket.label("bucket"))
    rows = (
        await conn.execute(select(*groups, func.count()).select_from(source).where(*conditions).group_by(*groups))
    ).all()
    by_category: dict[int, int] = {}
    buckets: dict[int, int] = {}
    for row in rows:
        category, count = row[0], int(row[-1])
        if category is not None:
            by_category[int(category)] = by_category.get(int(category), 0) + count
        if query.channel is not None:
            buckets[int(row[1])] = buckets.get(int(row[1]), 0) + count
    matching = select(products.c.id).select_from(source).where(*conditions).subquery()
    by_value = await conn.execute(
        select(
            product_attributes.c.attribute_id,
            product_attributes.c.choice_id,
            product_attributes.c.boolean_value,
            func.count(func.distinct(product_attributes.c.product_id)),
        )
        .where(
            product_attributes.c.product_id.in_(select(matching.c.id)),
            or_(product_attributes.c.choice_id.is_not(None), product_attributes.c.boolean_value.is_not(None)),
        )
        .group_by(product_attributes.c.attribute_id, product_attributes.c.choice_id, product_attributes.c.boolean_value)
        .order_by(product_attributes.c.attribute_id, product_attributes.c.choice_id, product_attributes.c.boolean_value)
    )
    return RawFacets(
        by_category=by_category,
        by_value=[ValueCount(int(a), c, b, int(n)) for a, c, b, n in by_value],
        by_bucket=buckets,
    )
