"""With the cache off, each storefront read costs the same few statements whatever its page size (at most four; on
PostgreSQL a listing's page also reads its products' images and stored prices), and a change to a small table
(promotions, tax rates, channels, categories) is read by the very next request of every process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from app.asgi import create_app
from app.bootstrap import Container
from app.settings import Settings
from data.tables import categories, channels, tax_rates
from tests.conftest import STAFF_TOKEN
from tests.factories import VariantSpec, add_category, add_product
from tests.support import Api, StatementCounter, container_with

PRODUCT_PAGE = """
query($slug: String!) {
  product(slug: $slug) {
    id name description
    category { name slug }
    images { url alt }
    variants {
      id sku name
      pricing(channel: "us") { price { gross { amount currency } } }
      quantityAvailable isInStock
    }
  }
}
"""
CATEGORY_LISTING = """
query($slug: String!, $first: Int!) {
  category(slug: $slug) {
    name
    products(first: $first) {
      edges { node {
        id name slug
        thumbnail { url alt }
        pricing(channel: "us") { priceRange { start { gross { amount } } stop { gross { amount } } } }
        isAvailable
      } }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""
SEARCH = """
query($text: String!, $first: Int!) {
  products(search: $text, first: $first) {
    edges { node { id name pricing(channel: "us") { priceRange { start { gross { amount currency } } } } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
PRICE = """
query($channel: String, $country: String) {
  product(slug: "coat") {
    variants { pricing(channel: $channel, country: $country) { price { gross { amount } tax { amount } } } }
  }
}
"""
PROMOTE = """
mutation($input: CataloguePromotionInput!) {
  cataloguePromotionCreate(input: $input) { promotionId userErrors { field code message } }
}
"""


@pytest.fixture
async def cold(settings: Settings) -> AsyncIterator[Container]:
    async with container_with(settings, empty=True, cache_enabled=False) as built:
        yield built


@pytest.fixture
async def other(settings: Settings) -> AsyncIterator[Container]:
    """A second API process on the same database, also with the cache off."""
    async with container_with(settings, cache_enabled=False) as built:
        yield built


async def _read(container: Container, query: str, variables: dict[str, Any]) -> tuple[int, Any]:
    """Return the statements one request cost, and its data."""
    transport = httpx.ASGITransport(app=create_app(container=container))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        counter = StatementCounter(container.metrics)
        data = await Api(client, staff_token=STAFF_TOKEN).data(query, variables)
    return counter.count, data


async def _catalog(container: Container, count: int, *, name: str = "Wool Coat") -> None:
    category = await add_category(container.database, name="Coats", slug="coats")
    for n in range(count):
        await add_product(
            container.database,
            name=f"{name} {n}",
            slug=f"coat-{n}" if n else "coat",
            category_id=category,
            variants_=[VariantSpec(price=Decimal("100.00")), VariantSpec(price=Decimal("120.00"), on_hand=0)],
            image_urls=[f"https://img.test/{n}.jpg"],
        )


async def test_a_cold_product_page_costs_three_statements_on_postgres_and_four_on_sqlite(cold: Container) -> None:
    await _catalog(cold, 3)

    statements, data = await _read(cold, PRODUCT_PAGE, {"slug": "coat"})

    assert [v["quantityAvailable"] for v in data["product"]["variants"]] == [5, 0]
    assert data["product"]["variants"][1]["pricing"]["price"]["gross"]["amount"] == "120.00"
    assert [image["url"] for image in data["product"]["images"]] == ["https://img.test/0.jpg"]
    # Product by slug (on PostgreSQL with its images), the small tables, variants with stock and prices; on SQLite
    # the images have a statement of their own.
    assert statements == (3 if _on_postgres(cold) else 4)


def _on_postgres(container: Container) -> bool:
    """On PostgreSQL a listing's page statement also reads its products' images and stored prices (records)."""
    return container.database.engine.dialect.name == "postgresql"


async def test_a_cold_category_listing_costs_the_same_statements_whatever_its_size(cold: Container) -> None:
    await _catalog(cold, 30)
    await cold.refresh_stored_prices()

    few, small = await _read(cold, CATEGORY_LISTING, {"slug": "coats", "first": 3})
    many, large = await _read(cold, CATEGORY_LISTING, {"slug": "coats", "first": 30})

    assert len(small["category"]["products"]["edges"]) == 3
    assert len(large["category"]["products"]["edges"]) == 30
    assert all(e["node"]["isAvailable"] and e["node"]["pricing"] for e in large["category"]["products"]["edges"])
    if _on_postgres(cold):
        assert few == many == 2  # the small tables; the page with its images and stored price summaries
    else:
        assert few == many == 4  # the small tables, the page, images, the stored price summaries


LISTING_WITH_VARIANTS = """
query($slug: String!, $first: Int!) {
  category(slug: $slug) {
    products(first: $first) {
      edges { node {
        name
        variants { sku quantityAvailable isInStock pricing(channel: "us") { price { gross { amount } } } }
      } }
    }
  }
}
"""


async def test_a_listing_of_variants_with_stock_and_prices_costs_the_same_statements_whatever_its_size(
    cold: Container,
) -> None:
    # Each product's `variants` loads its variants' stock and prices with the other products' (one batch each).
    await _catalog(cold, 30)

    few, small = await _read(cold, LISTING_WITH_VARIANTS, {"slug": "coats", "first": 3})
    many, large = await _read(cold, LISTING_WITH_VARIANTS, {"slug": "coats", "first": 30})

    nodes = [e["node"] for e in large["category"]["products"]["edges"]]
    assert len(small["category"]["products"]["edges"]) == 3
    assert len(nodes) == 30
    for node in nodes:
        assert [(v["quantityAvailable"], v["isInStock"]) for v in node["variants"]] == [(5, True), (0, False)]
        assert [v["pricing"]["price"]["gross"]["amount"] for v in node["variants"]] == ["100.00", "120.00"]
    assert few == many


async def test_a_listing_whose_summaries_are_out_of_date_reads_the_prices_with_one_statement_more(
    cold: Container,
) -> None:
    await _catalog(cold, 30)
    out_of_date, before = await _read(cold, CATEGORY_LISTING, {"slug": "coats", "first": 30})
    await cold.refresh_stored_prices()

    stored, after = await _read(cold, CATEGORY_LISTING, {"slug": "coats", "first": 30})

    assert after == before
    # The stored summaries are read, found out of date, and the variants' prices are read for the engine.
    assert (out_of_date, stored) == ((3, 2) if _on_postgres(cold) else (5, 4))


async def test_a_cold_search_costs_the_same_statements_whatever_its_size(cold: Container) -> None:
    await _catalog(cold, 30)
    await cold.refresh_stored_prices()

    few, small = await _read(cold, SEARCH, {"text": "wool", "first": 3})
    many, large = await _read(cold, SEARCH, {"text": "wool", "first": 30})

    assert len(small["products"]["edges"]) == 3
    assert len(large["products"]["edges"]) == 30
    if _on_postgres(cold):
        assert few == many == 3  # vocabulary, the small tables, the page with its stored price summaries
    else:
        assert few == many == 4  # vocabulary, the page, the small tables, the stored price summaries


async def _price(container: Container, **variables: str) -> tuple[str, str]:
    _, data = await _read(container, PRICE, variables)
    price = data["product"]["variants"][0]["pricing"]["price"]
    return price["gross"]["amount"], price["tax"]["amount"]


async def test_a_promotion_created_on_one_process_prices_the_next_read_on_another(
    cold: Container, other: Container
) -> None:
    await _catalog(cold, 1)
    assert await _price(other) == ("100.00", "0.00")  # read once, so the other process has seen the tables
    transport = httpx.ASGITransport(app=create_app(container=cold))
    async with httpx.AsyncClient(transport=transport, base_url="http://writer") as client:
        created = await Api(client, staff_token=STAFF_TOKEN).data(
            PROMOTE, {"input": {"name": "Sale", "reward": {"percentage": "25"}, "channels": ["us"]}}, staff=True
        )
    assert created["cataloguePromotionCreate"]["userErrors"] == []

    assert await _price(other) == ("75.00", "0.00")
    assert await _price(cold) == ("75.00", "0.00")


async def test_small_tables_changed_in_the_database_are_read_at_once_by_every_process(
    cold: Container, other: Container
) -> None:
    await _catalog(cold, 1)
    assert await _price(other) == ("100.00", "0.00")  # read once, so the other process has seen the tables
    _, before = await _read(other, PRODUCT_PAGE, {"slug": "coat"})
    assert before["product"]["category"]["name"] == "Coats"

    async with cold.database.engine.begin() as conn:
        await conn.execute(
            update(tax_rates)
            .where(tax_rates.c.country == "US", tax_rates.c.tax_class == "standard")
            .values(rate=Decimal("10"))
        )
        await conn.execute(update(categories).where(categories.c.slug == "coats").values(name="Winter coats"))

    assert await _price(other) == ("110.00", "10.00")  # net prices in `us`: tax on top
    assert await _price(cold) == ("110.00", "10.00")
    _, after = await _read(other, PRODUCT_PAGE, {"slug": "coat"})
    assert after["product"]["category"]["name"] == "Winter coats"

    async with cold.database.engine.begin() as conn:
        await conn.execute(update(channels).where(channels.c.slug == "us").values(prices_include_tax=True))

    assert await _price(other) == ("100.00", "9.09")  # gross prices now: tax within
