"""Product listings in SQL: filters, keyset pages in every order, totals and facets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Integer,
    Row,
    ScalarSelect,
    Select,
    SelectBase,
    Text,
    and_,
    bindparam,
    case,
    func,
    literal_column,
    or_,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from data import catalog_search, pricing_sql
from data.catalog_sql import PRODUCT_COLUMNS, images_of, listed_images, to_product
from data.dependencies import DataKind
from data.reads import RowSource
from data.sql_lists import any_of
from data.tables import (
    collection_products,
    product_attributes,
    product_channel_listings,
    products,
)
from domain.catalog.facets import RawFacets, ValueCount
from domain.catalog.model import ProductImage, ProductQuery, ProductSlice, ProductSort, ProductSortField
from domain.catalog.search import RELEVANCE_TIERS
from domain.shared.pagination import CursorKey


def kinds_read(query: ProductQuery) -> tuple[DataKind, ...]:
    """Return the kinds of data a listing's rows, order and counts depend on, besides the catalog."""
    kinds: list[DataKind] = []
    if query.in_stock is not None:
        kinds.append(DataKind.AVAILABILITY)  # `products.in_stock`, kept by stock writes
    if query.channel is not None:
        kinds.append(DataKind.PRICES)  # the channel's listings: who is sold there, at what lowest price
    return tuple(kinds)


@dataclass(frozen=True, slots=True)
class _AttributeShape:
    choices: bool
    minimum: bool
    maximum: bool
    boolean: bool | None  # spelled in the SQL (`IS true`), like `in_stock`


@dataclass(frozen=True, slots=True)
class _Shape:
    """What a listing's statement looks like without its values: which filters, which order, which page.

    Statements are built once per shape and executed with the listing's values (`_values`): building a
    SQLAlchemy statement and computing its cache key cost more of the API's time than PostgreSQL spends running a
    page. The values' parameter names are fixed here and in `data.catalog_search`.
    """

    dialect: str
    visible: bool
    categories: bool
    in_stock: bool | None
    search: bool
    search_words: int  # words the relevance tiers compare with names (`catalog_search.word_count`)
    attributes: tuple[_AttributeShape, ...]
    channel: bool
    price_minimum: bool
    price_maximum: bool
    collection: bool
    created_after: bool
    sort: ProductSort
    after: bool
    after_tier: int | None  # a relevance page's: the tier of the row before it (each tier is a statement branch)
    walk_names: bool  # a relevance page's better tiers are read by walking names (`_walks_names`)
    count_total: bool
    images: bool  # each product's images, read with the page (`ListedRelations`)
    prices: bool  # each product's stored prices in a channel, read with the page


def _shape(
    dialect: str,
    query: ProductQuery,
    *,
    after: CursorKey | None = None,
    count_total: bool = False,
    images: bool = False,
    prices: bool = False,
) -> _Shape:
    price = query.price_range
    related = dialect == "postgresql"  # SQLite has no records to carry them: they are loaded after the page
    return _Shape(
        dialect=dialect,
        visible=query.visible_at is not None,
        categories=query.category_ids is not None,
        in_stock=query.in_stock,
        search=query.search is not None,
        search_words=0 if query.search is None else catalog_search.word_count(query.search),
        attributes=tuple(
            _AttributeShape(
                bool(a.choice_ids),
                a.number_range is not None and a.number_range.minimum is not None,
                a.number_range is not None and a.number_range.maximum is not None,
                a.boolean,
            )
            for a in query.attributes
        ),
        channel=query.channel is not None,
        price_minimum=price is not None and price.minimum is not None,
        price_maximum=price is not None and price.maximum is not None,
        collection=query.collection_id is not None,
        created_after=query.created_after is not None,
        sort=query.sort,
        after=after is not None,
        after_tier=_tier_after(query, after),
        walk_names=_walks_names(query),
        count_total=count_total,
        images=images and related,
        prices=prices and related,
    )


def _is_ranked(query: ProductQuery) -> bool:
    """Tell whether a listing is a search in relevance order (a statement of its own: `_ranked_page`)."""
    return query.sort.field is ProductSortField.RELEVANCE and query.search is not None


def _tier_after(query: ProductQuery, after: CursorKey | None) -> int | None:
    """Return the relevance tier of the row a ranked page starts after (its cursor holds minus the tier)."""
    return -int(after[0]) if after is not None and _is_ranked(query) else None


def _walks_names(query: ProductQuery) -> bool:
    """Tell whether a ranked page reads its better tiers by walking names in order, checking each (`_ranked_page`).

    Only for a search with no filter but visibility and a first word that matches as a prefix: then nearly every
    name the walk meets is a match, and a page is found after about a page of them. A filter (a category, stock,
    a price, an attribute, a collection, a channel) or a short first word, which must match whole ("xl" does not
    match "xlarge"), can reject most of them and make the walk read every name with the word (18 ms for "boot" in
    a category without boots at 100,000 products): such listings rank their matches instead, as before.
    """
    search = query.search
    if search is None or not _is_ranked(query) or not search.terms or not search.terms[0].prefix:
        return False
    unfiltered = ProductQuery(visible_at=query.visible_at, search=search, sort=query.sort)
    return query == unfiltered


def _values(dialect: str, query: ProductQuery, *, after: CursorKey | None = None, limit: int = 0) -> dict[str, Any]:
    """Return the values of a listing's bind parameters, named as `_conditions` and `_page` name them."""
    values: dict[str, Any] = {"limit": limit}
    if query.visible_at is not None:
        values["visible_at"] = query.visible_at
    if query.category_ids is not None:
        values["category_ids"] = sorted(query.category_ids)
    if query.search is not None:
        values.update(catalog_search.search_values(dialect, query.search))
    if query.collection_id is not None:
        values["collection_id"] = query.collection_id
    if query.created_after is not None:
        values["created_after"] = query.created_after
    if query.channel is not None:
        values["channel"] = query.channel
    if query.price_range is not None:
        values["price_minimum"] = query.price_range.minimum
        values["price_maximum"] = query.price_range.maximum
    for i, wanted in enumerate(query.attributes):
        values[f"attribute_{i}"] = wanted.attribute_id
        values[f"attribute_{i}_choices"] = sorted(wanted.choice_ids)
        if wanted.number_range is not None:
            values[f"attribute_{i}_minimum"] = wanted.number_range.minimum
            values[f"attribute_{i}_maximum"] = wanted.number_range.maximum
    if after is not None:
        values.update({f"after_{i}": v for i, v in enumerate(_key_values(query.sort, after))})
    return values


def _sort_columns(shape: _Shape) -> tuple[ColumnElement[Any], ...]:
    field = shape.sort.field
    if field is ProductSortField.RELEVANCE and shape.search:
        # Minus the tier, so that ascending puts the best first; read this way when every match is ranked.
        tiers = RELEVANCE_TIERS[:-1]
        relevance = case(*((_tier_condition(shape, tier), -tier) for tier in tiers), else_=0)
        return (relevance.label("relevance"), products.c.sort_name, products.c.id)
    if field is ProductSortField.NAME:
        return (products.c.sort_name, products.c.id)
    if field is ProductSortField.CREATED_AT:
        return (products.c.created_at, products.c.id)
    if field is ProductSortField.PRICE and shape.channel:
        return (product_channel_listings.c.min_price, products.c.id)
    if field is ProductSortField.POSITION and shape.collection:
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


def _conditions(shape: _Shape) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if shape.visible:
        conditions.append(products.c.is_published.is_(True))
        visible_at = bindparam("visible_at", type_=products.c.published_at.type)
        conditions.append(or_(products.c.published_at.is_(None), products.c.published_at <= visible_at))
    if shape.categories:
        conditions.append(any_of(shape.dialect, products.c.category_id, "category_ids"))
    if shape.in_stock is not None:
        # Spelled without a parameter so that the partial index `ix_products_out_of_stock` matches it.
        conditions.append(products.c.in_stock if shape.in_stock else ~products.c.in_stock)
    if shape.search:
        conditions.append(catalog_search.matches(shape.dialect))
    if shape.collection:
        members = select(collection_products.c.product_id).where(
            collection_products.c.collection_id == bindparam("collection_id", type_=Integer)
        )
        conditions.append(products.c.id.in_(members))
    if shape.created_after:
        conditions.append(products.c.created_at >= bindparam("created_after", type_=products.c.created_at.type))
    price = product_channel_listings.c.min_price
    if shape.price_minimum:
        conditions.append(price >= bindparam("price_minimum", type_=price.type))
    if shape.price_maximum:
        conditions.append(price <= bindparam("price_maximum", type_=price.type))
    return [*conditions, *_attribute_conditions(shape)]


def _attribute_conditions(shape: _Shape) -> list[ColumnElement[bool]]:
    """Return one EXISTS per attribute filter: a product must match every attribute asked for."""
    conditions: list[ColumnElement[bool]] = []
    number = product_attributes.c.number_value
    for i, wanted in enumerate(shape.attributes):
        match = select(product_attributes.c.id).where(
            product_attributes.c.product_id == products.c.id,
            product_attributes.c.attribute_id == bindparam(f"attribute_{i}", type_=Integer),
        )
        if wanted.choices:
            match = match.where(any_of(shape.dialect, product_attributes.c.choice_id, f"attribute_{i}_choices"))
        if wanted.minimum:
            match = match.where(number >= bindparam(f"attribute_{i}_minimum", type_=number.type))
        if wanted.maximum:
            match = match.where(number <= bindparam(f"attribute_{i}_maximum", type_=number.type))
        if wanted.boolean is not None:
            match = match.where(product_attributes.c.boolean_value.is_(wanted.boolean))
        conditions.append(match.exists())
    return conditions


def listed_products(shape: _Shape) -> FromClause:
    """Return the products, joined to their channel listing when the query prices (products not sold drop out),
    and to their collection membership when sorted in the collection's own order."""
    source: FromClause = products
    if shape.channel:
        source = source.join(
            product_channel_listings,
            (product_channel_listings.c.product_id == products.c.id)
            & (product_channel_listings.c.channel_slug == bindparam("channel", type_=Text)),
        )
    if shape.sort.field is ProductSortField.POSITION and shape.collection:
        source = source.join(
            collection_products,
            (collection_products.c.product_id == products.c.id)
            & (collection_products.c.collection_id == bindparam("collection_id", type_=Integer)),
        )
    return source


def _keyset(shape: _Shape, columns: Sequence[ColumnElement[Any]], *, first: int = 0) -> ColumnElement[bool]:
    """Return the condition that a row comes after the cursor (`after_0`, `after_1`, …) in the listing's order.

    `first` is the number of the cursor's value that the first column is compared with.
    """
    keyed = [getattr(c, "element", c) for c in columns]
    position = tuple_(*keyed)
    # Each value bound as its column's type: an amount is stored as a scaled integer on SQLite, and a bare Decimal
    # compared with it put the cursor's own row after the cursor again (the same page for ever).
    values = tuple_(*(bindparam(f"after_{first + i}", type_=c.type) for i, c in enumerate(keyed)))
    return position < values if shape.sort.descending else position > values


def _ordered(shape: _Shape, columns: Sequence[ColumnElement[Any]]) -> list[ColumnElement[Any]]:
    return [c.desc() if shape.sort.descending else c.asc() for c in columns]


@lru_cache(maxsize=512)
def _count(shape: _Shape) -> Select[Any]:
    # Built once per shape, as `_page` is: the reads compile a statement once, by its identity (data/reads.py).
    return select(func.count()).select_from(listed_products(shape)).where(*_conditions(shape))


def _counted(shape: _Shape) -> list[ColumnElement[int]]:
    """Return the listing's total as a column, when the shape asks for it."""
    total: ScalarSelect[int] = _count(shape).scalar_subquery()
    return [total.label("total_count")] if shape.count_total else []


def _in_order(shape: _Shape, *selected: ColumnElement[Any]) -> Select[Any]:
    """Return `selected` and the sort columns of the listing's rows after the cursor, in its order, `limit` of them."""
    columns = _sort_columns(shape)
    rows = select(*selected, *columns).select_from(listed_products(shape)).where(*_conditions(shape))
    if shape.after:
        rows = rows.where(_keyset(shape, columns))
    return rows.order_by(*_ordered(shape, columns)).limit(bindparam("limit", type_=Integer))


@lru_cache(maxsize=512)
def _page(shape: _Shape) -> Select[Any]:
    """Return the statement of one keyset page (`limit` rows) and, when asked, the listing's total."""
    if shape.sort.field is ProductSortField.RELEVANCE and shape.search:
        return _ranked_page(shape)
    return _in_order(shape, *PRODUCT_COLUMNS, *_counted(shape), *_related(shape))


def _related(shape: _Shape) -> list[ColumnElement[Any]]:
    """Return the columns of what the page's products are read with (correlated subqueries: PostgreSQL computes
    them after the sort and the limit, for the page's rows only)."""
    columns = []
    if shape.images:
        columns.append(listed_images())
    if shape.prices:
        columns += pricing_sql.listed_stored_prices()
    return columns


def _ranked_page(shape: _Shape) -> Select[Any]:
    """Return a search page by relevance: the page's ids, sort names and tiers, then their products.

    Walking names (`_walks_names`), each tier is a branch that reads about a page in name order: the exact name
    and the names starting with the text from the name index, the names in which each searched word begins a word
    from `product_name_words` (`_checked_in_order`), and the rest of the matches last, only when the better tiers
    leave room on the page. Ranking every match cost PostgreSQL 12-18 ms a page for a common word at 100,000
    products, growing with the catalogue; the branches cost ≈ 0.5 ms there as at 1,000 (docs/catalog-queries.md).
    Descending, the worst tier comes first and is always read. Otherwise every match is ranked, in one pass.
    """
    ranked = (_tiers_walked(shape) if shape.walk_names else _in_order(shape)).subquery("ranked")
    return (
        select(*PRODUCT_COLUMNS, ranked.c.relevance, ranked.c.sort_name, *_counted(shape), *_related(shape))
        .select_from(products.join(ranked, ranked.c.id == products.c.id))
        .order_by(*_ordered(shape, (ranked.c.relevance, ranked.c.sort_name, ranked.c.id)))
        .limit(bindparam("limit", type_=Integer))
    )


def _tiers_walked(shape: _Shape) -> SelectBase:
    """Return the page's ids, sort names and minus their tiers as a `UNION ALL` of the tiers' pages, from the
    cursor's tier on."""
    tiers = RELEVANCE_TIERS[::-1] if shape.sort.descending else RELEVANCE_TIERS
    if shape.after_tier is not None:
        tiers = tiers[tiers.index(shape.after_tier) :]
    branches = [branch for tier in tiers for branch in _tier_pages(shape, tier)]
    if tiers[-1] == 0 and len(tiers) > 1:
        # PostgreSQL runs the last branch only when the others have not filled the page (a one-time filter).
        better = union_all(*branches[:-1]).cte("better")
        room = select(func.count()).select_from(better).scalar_subquery() < bindparam("limit", type_=Integer)
        return union_all(select(better), branches[-1].where(room))
    return union_all(*branches) if len(branches) > 1 else branches[0]


def _tier_pages(shape: _Shape, tier: int) -> list[Select[Any]]:
    """Return the ids and sort names of one relevance tier's page, in name order, as one or two subqueries (for
    `UNION ALL`: the page's statement takes its first `limit` rows in order)."""
    relevance = literal_column(str(-tier), Integer).label("relevance")
    if tier == 0:
        return [_rest_of_matches(shape, relevance)]
    after = shape.after_tier == tier
    if tier == 1:
        return [
            _checked_in_order(shape, candidates, relevance, after=after)
            for candidates in catalog_search.names_with_every_word(shape.search_words)
        ]
    candidates = select(products.c.sort_name, products.c.id).where(_tier_condition(shape, tier))
    return [_checked_in_order(shape, candidates, relevance, after=after)]


def _tier_condition(shape: _Shape, tier: int, *, as_sets: bool = False) -> ColumnElement[bool]:
    """Return the condition that a matching product's name is in the relevance tier (and in no better one);
    `as_sets`: see `catalog_search.name_holds_words`."""
    if tier == 3:
        return catalog_search.is_text()
    if tier == 2:
        return and_(catalog_search.starts_with_text(), ~catalog_search.is_text())
    every_word = and_(*catalog_search.name_holds_words(shape.search_words, as_sets=as_sets))
    return and_(~catalog_search.starts_with_text(), every_word if tier == 1 else ~every_word)


def _checked_in_order(
    shape: _Shape,
    candidates: Select[Any],
    relevance: ColumnElement[int],
    *,
    after: bool,
) -> Select[Any]:
    """Return the first `limit` candidates (sort name, id) in name order that the listing's conditions keep; after
    the cursor's sort name and id when `after`.

    The candidates come in order from an index; each is then looked up on its own, until a page is found. The
    look-up is a scalar subquery, which PostgreSQL never turns into a join: a generic plan, guessing every search
    matches 0.5 % of the products, had hashed all 9,000 matches of a common word to join them with its candidates.
    `OFFSET 0` keeps the conditions from being pushed below the ordering, where they would be checked for every
    candidate.
    """
    ordered = candidates.order_by(*_ordered(shape, list(candidates.selected_columns)))
    if after:
        ordered = ordered.where(_keyset(shape, list(candidates.selected_columns), first=1))
    named = ordered.offset(0).subquery("candidates")
    kept = (
        select(literal_column("1"))
        .select_from(listed_products(shape))
        .where(products.c.id == named.c.id, *_conditions(shape))
        .limit(1)
        .scalar_subquery()
    )
    rows = select(named.c.id, named.c.sort_name, relevance).where(kept.is_not(None))
    return _branch(shape, rows, (named.c.sort_name, named.c.id))


def _rest_of_matches(shape: _Shape, relevance: ColumnElement[int]) -> Select[Any]:
    """Return the first `limit` matches in no better tier, in name order (relevance tier 0), ranking all of them.

    Ordered by an expression no index gives, so that PostgreSQL reads the matches from the full-text index and
    sorts them whatever it guesses of their number: walking the name index until a page is found read all 100,000
    names at the last page of a word that no description holds.
    """
    conditions = [*_conditions(shape), _tier_condition(shape, 0, as_sets=True)]
    if shape.after_tier == 0:
        conditions.append(_keyset(shape, (products.c.sort_name, products.c.id), first=1))
    rows = select(products.c.id, products.c.sort_name, relevance).select_from(listed_products(shape))
    return _branch(shape, rows.where(*conditions), (products.c.sort_name.concat(""), products.c.id))


def _branch(shape: _Shape, rows: Select[Any], order: tuple[ColumnElement[Any], ...]) -> Select[Any]:
    """Return the first `limit` of `rows` (id, sort name, relevance) in `order`, as a subquery: a `UNION ALL`
    branch with its own order and limit (SQLite takes those only in a subquery)."""
    page = rows.order_by(*_ordered(shape, order)).limit(bindparam("limit", type_=Integer)).subquery()
    return select(page.c.id, page.c.sort_name, page.c.relevance)


@dataclass(frozen=True, slots=True)
class ListedRelations:
    """What a page's statement read besides its products, per product id; `None`: not read (or not on SQLite)."""

    images: dict[int, list[ProductImage]] | None = None
    channel: str = ""  # the stored prices' channel
    stored: dict[int, pricing_sql.StoredRow | None] | None = None


async def fetch_product_slice(
    reads: RowSource,
    query: ProductQuery,
    *,
    after: CursorKey | None,
    limit: int,
    count_total: bool = True,
    images: bool = False,
    prices_in: str | None = None,
) -> tuple[ProductSlice, ListedRelations]:
    """Read one keyset page in the query's order and, when asked, the listing's total, in a single statement;
    and, on PostgreSQL, each product's images and stored prices in the channel `prices_in`, when asked."""
    dialect = reads.dialect.name
    shape = _shape(dialect, query, after=after, count_total=count_total, images=images, prices=prices_in is not None)
    values = _values(dialect, query, after=after, limit=limit)
    if shape.prices:
        values["prices_channel"] = prices_in
    rows = await reads.rows(_page(shape), values)
    if rows or not count_total:
        keys = [_cursor_key(query.sort, row) for row in rows]
        found = ProductSlice([to_product(row) for row in rows], keys, rows[0].total_count if count_total else None)
        return found, _relations(shape, rows, prices_in or "")
    if after is None:
        return ProductSlice([], [], 0), ListedRelations()
    ((count,),) = await reads.rows(_count(shape), values)
    return ProductSlice([], [], int(count or 0)), ListedRelations()


def _relations(shape: _Shape, rows: Sequence[Any], channel: str) -> ListedRelations:
    return ListedRelations(
        images={row.id: images_of(row.id, row.images) for row in rows} if shape.images else None,
        channel=channel,
        stored=(
            {row.id: pricing_sql.stored_row(row.id, channel, row.stored_prices, row.stored_tax_class) for row in rows}
            if shape.prices
            else None
        ),
    )


async def fetch_facets(conn: AsyncConnection, query: ProductQuery, *, price_edges: tuple[Decimal, ...]) -> RawFacets:
    """Count the listing's products per direct category, attribute value and price bucket: two statements.

    Categories and price buckets come from one pass over the listing (grouped by both, then summed each way), since
    walking a large listing, not grouping it, is what costs (docs/catalog-queries.md).
    """
    dialect = conn.dialect.name
    shape = _shape(dialect, query)
    values = _values(dialect, query)
    conditions = _conditions(shape)
    source = listed_products(shape)
    groups: list[ColumnElement[Any]] = [products.c.category_id]
    if query.channel is not None:
        price = product_channel_listings.c.min_price
        bucket = case(*((price >= edge, index) for index, edge in reversed(list(enumerate(price_edges)))), else_=0)
        groups.append(bucket.label("bucket"))
    rows = (
        await conn.execute(
            select(*groups, func.count()).select_from(source).where(*conditions).group_by(*groups), values
        )
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
        .order_by(
            product_attributes.c.attribute_id, product_attributes.c.choice_id, product_attributes.c.boolean_value
        ),
        values,
    )
    return RawFacets(
        by_category=by_category,
        by_value=[ValueCount(int(a), c, b, int(n)) for a, c, b, n in by_value],
        by_bucket=buckets,
    )
