"""A listing's page reads its products' images and stored prices with the products (on PostgreSQL, in the page's
own statement), and answers exactly as the product's own fields do when read one by one.

On SQLite the page reads the products alone and the images and prices are loaded after it: the answers must be
the same on both backends, only the statements differ.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from app.asgi import create_app
from app.bootstrap import Container
from app.settings import Settings
from schema.relay import parse_id
from tests.conftest import STAFF_TOKEN
from tests.factories import VariantSpec, add_category, add_collection, add_product
from tests.support import Api, StatementCounter, container_with

# The same fields on a listing's nodes and on a product read alone (a fragment, so both are answered alike).
FIELDS = """
fragment Fields on Product {
  slug
  thumbnail { url alt }
  images { url alt }
  pricing { channel priceRange { start { gross { amount currency } } stop { gross { amount } } } }
  uk: pricing(channel: "uk") { channel onSale priceRange { start { gross { amount currency } } } }
}
"""
LISTING = (
    'query($first: Int!) { category(slug: "coats") { products(first: $first) { edges { node { ...Fields } } } } }'
    + FIELDS
)
ONE = "query($slug: String!) { product(slug: $slug) { ...Fields } }" + FIELDS
PRICES_ONLY = """
{ category(slug: "coats") { products(first: 10) { edges { node { slug pricing(channel: "us") { onSale } } } } } }
"""


@pytest.fixture
async def cold(settings: Settings) -> AsyncIterator[Container]:
    async with container_with(settings, empty=True, cache_enabled=False) as built:
        yield built


async def _read(container: Container, query: str, variables: dict[str, Any] | None = None) -> tuple[int, Any]:
    """Return the statements one request cost, and its data."""
    transport = httpx.ASGITransport(app=create_app(container=container))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        counter = StatementCounter(container.metrics)
        data = await Api(client, staff_token=STAFF_TOKEN).data(query, variables or {})
    return counter.count, data


async def _catalog(container: Container) -> list[str]:
    """Coats with no image, one, or several added out of display order; sold in one channel, two, or none."""
    coats = await add_category(container.database, name="Coats", slug="coats")
    specs: dict[str, tuple[list[str], list[VariantSpec]]] = {
        "bare": ([], [VariantSpec(price=Decimal("40.00"))]),
        "one": (["https://img.test/one.jpg"], [VariantSpec(price=Decimal("55.50"), channel="uk")]),
        "many": (
            [f"https://img.test/many-{n}.jpg" for n in range(3)],
            [VariantSpec(price=Decimal("120.00")), VariantSpec(price=Decimal("99.99")), VariantSpec(channel="uk")],
        ),
        "unsold": (["https://img.test/unsold.jpg"], []),
    }
    for slug, (urls, variants) in specs.items():
        await add_product(
            container.database, name=slug.title(), slug=slug, category_id=coats, variants_=variants, image_urls=urls
        )
    return list(specs)


async def test_a_listing_answers_as_each_product_does(cold: Container) -> None:
    slugs = await _catalog(cold)
    await cold.refresh_stored_prices()

    _, listed = await _read(cold, LISTING, {"first": 10})
    one_by_one = [(await _read(cold, ONE, {"slug": slug}))[1]["product"] for slug in slugs]

    nodes = {e["node"]["slug"]: e["node"] for e in listed["category"]["products"]["edges"]}
    assert [nodes[slug] for slug in slugs] == one_by_one
    # The cases the comparison covers are there: no image, several in display order, unsold, sold in one channel.
    assert nodes["bare"]["thumbnail"] is None
    assert nodes["bare"]["images"] == []
    assert [i["url"] for i in nodes["many"]["images"]] == [f"https://img.test/many-{n}.jpg" for n in range(3)]
    assert nodes["many"]["thumbnail"] == nodes["many"]["images"][0]
    assert nodes["unsold"]["pricing"] is None
    assert nodes["unsold"]["uk"] is None
    assert nodes["one"]["pricing"] is None
    assert nodes["one"]["uk"]["priceRange"]["start"]["gross"] == {"amount": "55.50", "currency": "GBP"}
    assert nodes["many"]["pricing"]["channel"] == "us"  # no channel named: the default channel
    assert nodes["many"]["pricing"]["priceRange"]["start"]["gross"] == {"amount": "99.99", "currency": "USD"}


async def test_the_page_reads_the_images_and_the_first_channels_prices_with_the_products(cold: Container) -> None:
    coats = await add_category(cold.database, name="Coats", slug="coats")
    for n in range(4):  # each sold in both channels: none is priced by the engine (one statement more)
        await add_product(
            cold.database,
            slug=f"coat-{n}",
            category_id=coats,
            variants_=[VariantSpec(price=Decimal("10.00")), VariantSpec(price=Decimal("9.00"), channel="uk")],
            image_urls=[f"https://img.test/{n}.jpg"],
        )
    await cold.refresh_stored_prices()

    statements, _ = await _read(cold, LISTING, {"first": 10})
    prices_only, data = await _read(cold, PRICES_ONLY)

    assert len(data["category"]["products"]["edges"]) == 4
    if cold.database.engine.dialect.name == "postgresql":
        # The small tables; the page with images and the default channel's prices; the second channel's prices.
        assert statements == 3
        assert prices_only == 2
    else:
        assert statements == 5  # the small tables, the page, images, then each channel's stored prices
        assert prices_only == 3


async def test_out_of_date_prices_read_with_the_page_are_priced_again(cold: Container) -> None:
    slugs = await _catalog(cold)
    _, before = await _read(cold, LISTING, {"first": 10})  # nothing stored yet: the engine prices every product
    await cold.refresh_stored_prices()

    _, stored = await _read(cold, LISTING, {"first": 10})
    one_by_one = [(await _read(cold, ONE, {"slug": slug}))[1]["product"] for slug in slugs]

    assert stored == before
    nodes = {e["node"]["slug"]: e["node"] for e in stored["category"]["products"]["edges"]}
    assert [nodes[slug] for slug in slugs] == one_by_one


async def test_a_connection_selected_twice_under_one_name_answers_every_part(cold: Container) -> None:
    # GraphQL merges the two `products` fields into one: what either asks for (the total, the prices) is answered.
    await _catalog(cold)
    await cold.refresh_stored_prices()
    merged = """
    { category(slug: "coats") {
        products(first: 10) { edges { node { slug } } }
        products(first: 10) {
          totalCount
          edges { node { pricing(channel: "us") { priceRange { start { gross { amount } } } } } }
        }
    } }
    """

    _, data = await _read(cold, merged)

    listing = data["category"]["products"]
    assert listing["totalCount"] == 4
    prices = {e["node"]["slug"]: e["node"]["pricing"] for e in listing["edges"]}
    assert prices["bare"]["priceRange"]["start"]["gross"]["amount"] == "40.00"
    assert prices["unsold"] is None


async def test_listings_at_one_path_under_different_types_answer_each_its_own_selection(cold: Container) -> None:
    # `nodes` returns Collections and Categories; both have `products`, selected here under the same alias with
    # different fields: each must be answered as its own selection asks (the total for one, prices for the other).
    await _catalog(cold)
    await cold.refresh_stored_prices()
    _, listing = await _read(cold, '{ category(slug: "coats") { products(first: 2) { edges { node { id } } } } }')
    picked = [parse_id(e["node"]["id"], "Product") for e in listing["category"]["products"]["edges"]]
    await add_collection(cold.database, slug="picks", product_ids=picked)
    found = await _read(cold, '{ collection(slug: "picks") { id } category(slug: "coats") { id } }')
    ids = [found[1]["collection"]["id"], found[1]["category"]["id"]]
    query = """
    query($ids: [ID!]!) { nodes(ids: $ids) {
      ... on Collection { listed: products(first: 10) { edges { node { slug } } } }
      ... on Category { listed: products(first: 10) { totalCount } }
    } }
    """

    for order in (ids, ids[::-1]):
        _, data = await _read(cold, query, {"ids": order})
        listed = {("edges" in n["listed"]): n["listed"] for n in data["nodes"]}
        assert listed[False] == {"totalCount": 4}
        assert len(listed[True]["edges"]) == 2
