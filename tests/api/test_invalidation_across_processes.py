"""After every kind of write, a second API process sharing Redis serves the new value at once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from app.asgi import create_app
from app.bootstrap import Container, build_container
from app.settings import Settings
from tests.conftest import STAFF_TOKEN
from tests.factories import VariantSpec, add_category, add_product
from tests.support import Api

PAGE = """
{ product(slug: "coat") {
    name
    variants { quantityAvailable pricing(channel: "us") { price { gross { amount } } } }
} }
"""


@pytest.fixture
async def reader(settings: Settings) -> AsyncIterator[Api]:
    """A second process: its own container and app, the same PostgreSQL and Redis (and response cache on)."""
    other: Container = build_container(settings.model_copy(update={"response_cache_seconds": 60}))
    try:
        transport = httpx.ASGITransport(app=create_app(container=other))
        async with httpx.AsyncClient(transport=transport, base_url="http://reader") as client:
            yield Api(client, staff_token=STAFF_TOKEN)
    finally:
        await other.aclose()


def _state(data: Any) -> tuple[str, int, str]:
    product = data["product"]
    variant = product["variants"][0]
    return product["name"], variant["quantityAvailable"], variant["pricing"]["price"]["gross"]["amount"]


@pytest.mark.parametrize("backend", ["production"])
@pytest.mark.parametrize("write", ["rename", "stock", "price", "promotion"])
async def test_no_stale_value_after_a_write_elsewhere(api: Api, container: Container, reader: Api, write: str) -> None:
    category = await add_category(container.database, name="Coats", slug="coats")
    await add_product(
        container.database,
        name="Coat",
        slug="coat",
        category_id=category,
        variants_=[VariantSpec(price=Decimal("100.00"), on_hand=4)],
    )
    ids = await api.data('{ product(slug: "coat") { id category { id } variants { id } } }')
    await reader.data(PAGE)
    assert _state(await reader.data(PAGE)) == ("Coat", 4, "100.00")  # now cached in Redis, and as a response

    mutations = {
        "rename": 'mutation($p: ID!) { productUpdate(id: $p, input: {name: "Parka"}) { userErrors { code } } }',
        "stock": "mutation($v: ID!) { stockUpdate(variantId: $v, quantity: 9) { userErrors { code } } }",
        "price": 'mutation($v: ID!) { variantPriceUpdate(variantId: $v, input: {channel: "us", amount: "80"}) '
        "{ userErrors { code } } }",
        "promotion": 'mutation($c: ID!) { cataloguePromotionCreate(input: {name: "Half", reward: {percentage: "50"}, '
        'channels: ["us"], categoryIds: [$c]}) { userErrors { code } } }',
    }
    variables = {
        "p": ids["product"]["id"],
        "v": ids["product"]["variants"][0]["id"],
        "c": ids["product"]["category"]["id"],
    }
    query = mutations[write]
    used = {k: v for k, v in variables.items() if f"${k}" in query}
    await api.data(query, used, staff=True)

    expected = {
        "rename": ("Parka", 4, "100.00"),
        "stock": ("Coat", 9, "100.00"),
        "price": ("Coat", 4, "80.00"),
        "promotion": ("Coat", 4, "50.00"),
    }
    assert _state(await reader.data(PAGE)) == expected[write]
