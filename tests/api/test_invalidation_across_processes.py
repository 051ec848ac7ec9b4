"""After every kind of write, a second API process sharing Redis serves the new value at once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from app.asgi import create_app
from app.bootstrap import Container
from app.settings import Settings
from tests.conftest import STAFF_TOKEN
from tests.factories import VariantSpec, add_category, add_product
from tests.support import Api, container_with

PAGE = """
{ product(slug: "coat") {
    name
    isAvailable
    category { name }
    variants { sku quantityAvailable pricing(channel: "us") { price { gross { amount } } } }
} }
"""
LISTING = '{ category(slug: "coats") { products { nodes { name isAvailable } } } }'


@pytest.fixture
async def reader(settings: Settings) -> AsyncIterator[Api]:
    """A second process: its own container and app, the same PostgreSQL and Redis (and response cache on)."""
    async with container_with(settings, response_cache_seconds=60) as other:
        transport = httpx.ASGITransport(app=create_app(container=other))
        async with httpx.AsyncClient(transport=transport, base_url="http://reader") as client:
            yield Api(client, staff_token=STAFF_TOKEN)


def _state(page: Any, listing: Any) -> tuple[Any, ...]:
    product = page["product"]
    names = [n["name"] + ("" if n["isAvailable"] else " (sold out)") for n in listing["category"]["products"]["nodes"]]
    if product is None:
        return (None, names)
    variant = product["variants"][0]
    price = variant["pricing"]["price"]["gross"]["amount"]
    name = product["name"] + ("" if product["isAvailable"] else " (sold out)")
    return name, product["category"]["name"], variant["sku"], variant["quantityAvailable"], price, names


MUTATIONS = {
    "rename": 'mutation($p: ID!) { productUpdate(id: $p, input: {name: "Parka"}) { userErrors { code } } }',
    "move": "mutation($p: ID!, $other: ID!) { productUpdate(id: $p, input: {categoryId: $other}) "
    "{ userErrors { code } } }",
    "unpublish": "mutation($p: ID!) { productUpdate(id: $p, input: {isPublished: false}) { userErrors { code } } }",
    "category": 'mutation($c: ID!) { categoryUpdate(id: $c, input: {name: "Outerwear"}) { userErrors { code } } }',
    "variant": 'mutation($v: ID!) { variantUpdate(id: $v, input: {sku: "COAT-XL"}) { userErrors { code } } }',
    "stock": "mutation($v: ID!) { stockUpdate(variantId: $v, quantity: 9) { userErrors { code } } }",
    "sell out": "mutation($v: ID!) { stockUpdate(variantId: $v, quantity: 0) { userErrors { code } } }",
    "price": 'mutation($v: ID!) { variantPriceUpdate(variantId: $v, input: {channel: "us", amount: "80"}) '
    "{ userErrors { code } } }",
    "promotion": 'mutation($c: ID!) { cataloguePromotionCreate(input: {name: "Half", reward: {percentage: "50"}, '
    'channels: ["us"], categoryIds: [$c]}) { userErrors { code } } }',
}
BEFORE = ("Coat", "Coats", "COAT-M", 4, "100.00", ["Coat"])
EXPECTED = {
    "rename": ("Parka", "Coats", "COAT-M", 4, "100.00", ["Parka"]),
    "move": ("Coat", "Sale", "COAT-M", 4, "100.00", []),
    "unpublish": (None, []),
    "category": ("Coat", "Outerwear", "COAT-M", 4, "100.00", ["Coat"]),
    "variant": ("Coat", "Coats", "COAT-XL", 4, "100.00", ["Coat"]),
    "stock": ("Coat", "Coats", "COAT-M", 9, "100.00", ["Coat"]),
    "sell out": ("Coat (sold out)", "Coats", "COAT-M", 0, "100.00", ["Coat (sold out)"]),
    "price": ("Coat", "Coats", "COAT-M", 4, "80.00", ["Coat"]),
    "promotion": ("Coat", "Coats", "COAT-M", 4, "50.00", ["Coat"]),
}


@pytest.mark.parametrize("backend", ["production"])
@pytest.mark.parametrize("write", list(MUTATIONS))
async def test_no_stale_value_after_a_write_elsewhere(api: Api, container: Container, reader: Api, write: str) -> None:
    category = await add_category(container.database, name="Coats", slug="coats")
    await add_category(container.database, name="Sale", slug="sale")
    await add_product(
        container.database,
        name="Coat",
        slug="coat",
        category_id=category,
        variants_=[VariantSpec(sku="COAT-M", price=Decimal("100.00"), on_hand=4)],
    )
    ids = await api.data(
        '{ product(slug: "coat") { id category { id } variants { id } } category(slug: "sale") { id } }'
    )
    for _ in range(2):  # the second read comes from Redis: entities and whole responses
        state = _state(await reader.data(PAGE), await reader.data(LISTING))
    assert state == BEFORE

    variables = {
        "p": ids["product"]["id"],
        "v": ids["product"]["variants"][0]["id"],
        "c": ids["product"]["category"]["id"],
        "other": ids["category"]["id"],
    }
    query = MUTATIONS[write]
    used = {k: v for k, v in variables.items() if f"${k}:" in query}
    await api.data(query, used, staff=True)

    assert _state(await reader.data(PAGE), await reader.data(LISTING)) == EXPECTED[write]


@pytest.mark.parametrize("backend", ["production"])
async def test_moving_a_product_out_of_a_promoted_category_ends_its_discount_everywhere(
    api: Api, container: Container, reader: Api
) -> None:
    """Promotions target categories, so the cached pricing facts of a moved product must go too."""
    coats = await add_category(container.database, name="Coats", slug="coats")
    await add_category(container.database, name="Sale", slug="sale")
    await add_product(
        container.database,
        name="Coat",
        slug="coat",
        category_id=coats,
        variants_=[VariantSpec(sku="COAT-M", price=Decimal("100.00"), on_hand=4)],
    )
    ids = await api.data('{ product(slug: "coat") { id category { id } } category(slug: "sale") { id } }')
    await api.data(MUTATIONS["promotion"], {"c": ids["product"]["category"]["id"]}, staff=True)
    for _ in range(2):
        discounted = _state(await reader.data(PAGE), await reader.data(LISTING))

    await api.data(MUTATIONS["move"], {"p": ids["product"]["id"], "other": ids["category"]["id"]}, staff=True)

    assert discounted == ("Coat", "Coats", "COAT-M", 4, "50.00", ["Coat"])
    assert _state(await reader.data(PAGE), await reader.data(LISTING)) == ("Coat", "Sale", "COAT-M", 4, "100.00", [])
