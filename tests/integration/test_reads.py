"""A request's reads (data/reads.py) give what SQLAlchemy gives: the same rows, mapped to the same domain objects.

On PostgreSQL the statements go to asyncpg directly, with the column types' conversions applied by the reads
themselves; on SQLite they run through SQLAlchemy. Each read function is run both ways on one seeded catalogue: once
on `Database.reads`, once on an open SQLAlchemy connection (`ConnectionReads`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import asyncpg
import pytest
from sqlalchemy import Float, Integer, Numeric, bindparam, cast, func, select, text

from app.bootstrap import Container
from data import catalog_search, catalog_sql, pricing_sql
from data.demo import seed_catalog
from data.product_details import fetch_product_details
from data.product_listing import fetch_product_slice
from data.reads import ConnectionReads, RowSource
from data.tables import product_channel_listings, products
from data.whole_tables import PARTS
from data.whole_tables_sql import fetch_json
from domain.catalog.attributes import NumberRange
from domain.catalog.model import ProductQuery, ProductSort, ProductSortField
from domain.catalog.search import SearchQuery, SearchTerm
from domain.pricing.model import Channel

NOW = datetime(2030, 1, 1, tzinfo=UTC)


async def _both(container: Container, read: Callable[[RowSource], Awaitable[Any]]) -> tuple[Any, Any]:
    """Return what `read` gives on the database's reads and on a SQLAlchemy connection."""
    direct = await read(container.database.reads)
    async with container.database.read() as conn:
        through_sqlalchemy = await read(ConnectionReads(conn))
    return direct, through_sqlalchemy


def _details(found: dict[int, Any], channel: Channel) -> list[Any]:
    return [
        (d.product_id, d.category_id, d.tax_class, d.collection_ids, d.variants(), d.stock(), d.price_rows(channel))
        for d in found.values()
    ]


async def test_each_read_gives_what_sqlalchemy_gives(container: Container) -> None:
    await seed_catalog(container.database, products=40, seed=5)
    async with container.database.read() as conn:
        ids = list((await conn.execute(select(products.c.id).order_by(products.c.id))).scalars())
        slugs = list((await conn.execute(select(products.c.slug).order_by(products.c.id).limit(5))).scalars())
        categories = frozenset((await conn.execute(text("SELECT id FROM categories"))).scalars())
    channel = Channel("us", "USD", "US", prices_include_tax=False)
    listings = [
        ProductQuery(visible_at=NOW),
        ProductQuery(category_ids=categories, sort=ProductSort(ProductSortField.NAME, descending=True)),
        ProductQuery(channel="us", sort=ProductSort(ProductSortField.PRICE), price_range=NumberRange(Decimal(1), None)),
        ProductQuery(search=SearchQuery("wool", (SearchTerm("wool"),)), sort=ProductSort(ProductSortField.RELEVANCE)),
        ProductQuery(search=SearchQuery("zzzz", (SearchTerm("zzzz"),))),  # nothing: the total is counted apart
    ]

    reads: list[Callable[[RowSource], Awaitable[Any]]] = [
        lambda r: catalog_sql.fetch_products(r, ids),
        lambda r: catalog_sql.fetch_products_by_slug(r, slugs),
        lambda r: catalog_sql.fetch_images(r, ids),
        lambda r: catalog_sql.fetch_stock(r, list(range(1, 200))),
        lambda r: catalog_sql.fetch_variants_by_id(r, list(range(1, 200))),
        lambda r: catalog_sql.fetch_attribute_values(r, ids),
        lambda r: catalog_sql.fetch_translations(r, [(i, "fr") for i in ids[:5]]),
        lambda r: catalog_search.vocabulary_near(r, ["wol", "jaket"]),
        lambda r: fetch_json(r, [source for part in PARTS for source in part.sources]),
        *((lambda r, q=query: fetch_product_slice(r, q, after=None, limit=7)) for query in listings),
    ]
    for read in reads:
        direct, through_sqlalchemy = await _both(container, read)
        assert direct == through_sqlalchemy
    details = await _both(container, lambda r: fetch_product_details(r, ids))
    assert _details(details[0], channel) == _details(details[1], channel)
    # The comparisons above saw real rows, of every kind of column: timestamps, amounts, JSON, totals.
    found = await catalog_sql.fetch_products(container.database.reads, ids)
    assert len(found) == 40
    assert all(p.created_at.tzinfo is not None for p in found.values())
    assert any(rows for rows in _details(details[0], channel))
    assert (await fetch_product_slice(container.database.reads, listings[2], after=None, limit=7))[0].total_count


async def test_a_page_reads_its_products_images_and_stored_prices_as_their_own_statements_do(
    container: Container,
) -> None:
    await seed_catalog(container.database, products=40, seed=5)
    assert await container.refresh_stored_prices() > 0
    reads = container.database.reads
    on_postgres = reads.dialect.name == "postgresql"
    listings = [
        ProductQuery(visible_at=NOW, sort=ProductSort(ProductSortField.NAME)),
        ProductQuery(channel="uk", sort=ProductSort(ProductSortField.PRICE, descending=True)),
        ProductQuery(search=SearchQuery("wool", (SearchTerm("wool"),)), sort=ProductSort(ProductSortField.RELEVANCE)),
    ]
    for query in listings:
        page, related = await fetch_product_slice(reads, query, after=None, limit=12, images=True, prices_in="us")
        alone = (await fetch_product_slice(reads, query, after=None, limit=12))[0]
        ids = [p.id for p in page.items]
        assert page == alone
        assert ids
        if not on_postgres:  # loaded after the page instead
            assert (related.images, related.stored) == (None, None)
            continue
        stored = {row[0]: row for row in await pricing_sql.fetch_stored_rows(reads, ids, "us")}
        assert related.images == await catalog_sql.fetch_images(reads, ids)
        assert related.stored == {pid: stored.get(pid) for pid in ids}
        assert related.channel == "us"
        assert any(related.images.values())
        assert any(related.stored.values())


async def test_products_by_slug_come_with_their_images_as_the_images_statement_reads_them(
    container: Container,
) -> None:
    await seed_catalog(container.database, products=12, seed=3)
    reads = container.database.reads
    async with container.database.read() as conn:
        rows = (await conn.execute(select(products.c.id, products.c.slug).order_by(products.c.id))).all()
    slugs = [slug for _, slug in rows]

    found, images = await catalog_sql.fetch_products_by_slug(reads, [*slugs, "no-such-product"])

    assert sorted(found) == sorted(slugs)
    assert [found[slug].id for _, slug in rows] == [product_id for product_id, _ in rows]
    if reads.dialect.name != "postgresql":
        assert images == {}  # loaded when asked, by the images statement
        return
    assert images == await catalog_sql.fetch_images(reads, [product_id for product_id, _ in rows])
    assert any(images.values())


# A column whose SQLAlchemy type converts what asyncpg returns: a `numeric` read as a float.
AS_FLOAT = select(cast(products.c.id, Numeric(10, 2, asdecimal=False)).label("as_float"), products.c.slug).where(
    products.c.id == bindparam("id", type_=Integer)
)


async def test_columns_are_converted_as_sqlalchemy_converts_them(container: Container) -> None:
    await seed_catalog(container.database, products=2, seed=5)

    direct, through_sqlalchemy = await _both(container, lambda reads: reads.rows(AS_FLOAT, {"id": 1}))

    assert [tuple(row) for row in direct] == [tuple(row) for row in through_sqlalchemy]
    assert type(direct[0].as_float) is type(through_sqlalchemy[0].as_float)
    if container.database.dialect == "postgresql":  # asyncpg gives a Decimal: the type's processor made it a float
        assert type(direct[0].as_float) is float
    assert direct[0][1] == direct[0].slug == through_sqlalchemy[0].slug


async def test_timestamps_and_amounts_come_as_aware_utc_datetimes_and_exact_decimals(container: Container) -> None:
    # On PostgreSQL asyncpg's own values are kept for these columns (no conversion): they must already be what the
    # column types promise.
    await seed_catalog(container.database, products=3, seed=5)
    statement = select(products.c.created_at, products.c.updated_at, product_channel_listings.c.min_price).join(
        product_channel_listings, product_channel_listings.c.product_id == products.c.id
    )

    direct, through_sqlalchemy = await _both(container, lambda reads: reads.rows(statement))

    assert direct
    assert [tuple(row) for row in direct] == [tuple(row) for row in through_sqlalchemy]
    for row in direct:
        assert row.created_at.tzinfo is UTC
        assert row.updated_at.tzinfo is UTC
        assert type(row.min_price) is Decimal
        assert row.min_price == row.min_price.quantize(Decimal("0.0001"))


async def test_each_statement_is_told_to_the_listeners(container: Container) -> None:
    await seed_catalog(container.database, products=3, seed=5)
    seen: list[str] = []

    with container.database.observed(seen.append):
        await catalog_sql.fetch_products(container.database.reads, [1, 2])
        await catalog_sql.fetch_translations(container.database.reads, [(1, "fr")])  # run by SQLAlchemy

    assert len(seen) == 2
    assert "FROM products" in seen[0]
    assert "product_translations" in seen[1]


@pytest.mark.parametrize("backend", ["production"])
async def test_a_connection_that_died_is_not_handed_out_again(container: Container) -> None:
    """Pooled connections whose server process ended each fail the read that finds them, and no other."""
    await seed_catalog(container.database, products=3, seed=5)
    reads = container.database.reads
    await catalog_sql.fetch_products(reads, [1])  # a connection in the pool
    pool = container.database.engine.pool
    pooled = pool.checkedin()  # type: ignore[attr-defined]  # QueuePool's count of idle connections
    # From a connection of its own, not the pool's (which would hand back the very connection to end).
    admin = await asyncpg.connect(container.settings.database_url.replace("+asyncpg", ""))
    try:
        ended = await admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = 'vitrine'"
        )
    finally:
        await admin.close()

    outcomes: list[object] = []
    for _ in range(2 * pooled + 4):
        try:
            outcomes.append(sorted(await catalog_sql.fetch_products(reads, [1, 2])))
        except Exception:
            outcomes.append("failed")

    assert ended >= 1
    assert outcomes.count("failed") <= pooled  # each dead connection fails at most the one read that finds it
    assert outcomes[-(pooled + 2) :] == [[1, 2]] * (pooled + 2)  # then every read succeeds


SLEEP = select(func.pg_sleep(bindparam("seconds", type_=Float)))


@pytest.mark.parametrize("backend", ["production"])
async def test_a_read_cancelled_mid_statement_leaves_the_pool_usable(container: Container) -> None:
    """A request cancelled while its statement runs (a client gone, a timeout) goes back to the pool at once, and
    the next read that takes that connection gets its rows: asyncpg finishes cancelling the statement on the server
    before it sends the next one, so the connection need not be thrown away."""
    await seed_catalog(container.database, products=2, seed=5)
    reads = container.database.reads
    await catalog_sql.fetch_products(reads, [1])

    for _ in range(3):
        sleeping = asyncio.ensure_future(reads.rows(SLEEP, {"seconds": 5.0}))
        await asyncio.sleep(0.2)
        sleeping.cancel()
        with pytest.raises(asyncio.CancelledError):
            await sleeping
        found = await catalog_sql.fetch_products(reads, [1, 2])
        assert sorted(found) == [1, 2]
