"""Whole responses to anonymous queries are cached, and never served after a write or past a scheduled change."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest

from app.asgi import create_app
from app.bootstrap import Container, build_container
from app.settings import Settings
from tests.conftest import STAFF_TOKEN
from tests.factories import VariantSpec, add_product
from tests.support import StatementCounter, container_with

QUERY = '{ product(slug: "tote") { name variants { id quantityAvailable pricing { price { gross { amount } } } } } }'


@pytest.fixture
async def cached(settings: Settings) -> AsyncIterator[Container]:
    async with container_with(settings, empty=True, response_cache_seconds=60) as built:
        yield built


async def _post(container: Container, query: str, *, token: str | None = None) -> httpx.Response:
    app = create_app(container=container)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        return await client.post("/graphql", json={"query": query}, headers=headers)


async def test_a_repeated_anonymous_query_is_answered_without_executing(cached: Container) -> None:
    await add_product(cached.database, slug="tote", name="Tote")
    first = await _post(cached, QUERY)
    counter = StatementCounter(cached.metrics)

    second = await _post(cached, QUERY)

    assert second.headers.get("x-cache") == "hit"
    assert "x-cache" not in first.headers
    assert second.content == first.content
    assert counter.count == 0
    assert cached.metrics.value("vitrine_response_cache_hits_total") == 1


async def test_a_write_through_a_mutation_is_visible_on_the_next_read(cached: Container) -> None:
    await add_product(cached.database, slug="tote", variants_=[VariantSpec(on_hand=3)])
    before = (await _post(cached, QUERY)).json()
    variant = before["data"]["product"]["variants"][0]["id"]

    await _post(
        cached,
        f'mutation {{ stockUpdate(variantId: "{variant}", quantity: 8) {{ userErrors {{ code }} }} }}',
        token=STAFF_TOKEN,
    )
    after = await _post(cached, QUERY)

    assert "x-cache" not in after.headers
    assert after.json()["data"]["product"]["variants"][0]["quantityAvailable"] == 8


async def test_staff_queries_and_errors_are_never_cached(cached: Container) -> None:
    await add_product(cached.database, slug="tote")
    await _post(cached, QUERY, token=STAFF_TOKEN)
    await _post(cached, '{ product(slug: "tote") { nope } }')

    staff_again = await _post(cached, QUERY, token=STAFF_TOKEN)
    error_again = await _post(cached, '{ product(slug: "tote") { nope } }')

    assert "x-cache" not in staff_again.headers
    assert "x-cache" not in error_again.headers


async def test_a_cached_response_expires_when_a_scheduled_promotion_starts(cached: Container) -> None:
    await add_product(cached.database, slug="tote", variants_=[VariantSpec(price=Decimal("20.00"))])
    # Far enough ahead that the three requests below finish before it on a loaded machine (2 s was not: a CI run
    # stalled that long between two of them, and the second read was already past the start).
    starts = datetime.now(UTC) + timedelta(seconds=5)
    await _post(
        cached,
        'mutation { cataloguePromotionCreate(input: {name: "Soon", reward: {percentage: "50"}, channels: ["us"], '
        f'startsAt: "{starts.isoformat()}"}}) {{ userErrors {{ code }} }} }}',
        token=STAFF_TOKEN,
    )
    before = await _post(cached, QUERY)
    assert (await _post(cached, QUERY)).headers.get("x-cache") == "hit"

    await asyncio.sleep((starts - datetime.now(UTC)).total_seconds() + 0.1)
    after = await _post(cached, QUERY)

    assert before.json()["data"]["product"]["variants"][0]["pricing"]["price"]["gross"] == {"amount": "20.00"}
    assert after.json()["data"]["product"]["variants"][0]["pricing"]["price"]["gross"] == {"amount": "10.00"}


@pytest.mark.parametrize("backend", ["production"])
async def test_a_write_on_one_process_invalidates_responses_cached_by_another(
    cached: Container, settings: Settings
) -> None:
    await add_product(cached.database, slug="tote", name="Tote")
    other = build_container(settings.model_copy(update={"response_cache_seconds": 60}))
    try:
        product_id = (await _post(other, '{ product(slug: "tote") { id } }')).json()["data"]["product"]["id"]
        await _post(other, QUERY)
        await _post(
            cached,
            f'mutation {{ productUpdate(id: "{product_id}", input: {{name: "Renamed"}}) {{ userErrors {{ code }} }} }}',
            token=STAFF_TOKEN,
        )
        after = await _post(other, QUERY)
    finally:
        await other.aclose()

    assert after.json()["data"]["product"]["name"] == "Renamed"


STOCK = "mutation($v: ID!, $q: Int!) { stockUpdate(variantId: $v, quantity: $q) { userErrors { code } } }"
PRICE = """mutation($v: ID!, $a: Decimal!) {
  variantPriceUpdate(variantId: $v, input: {channel: "us", amount: $a}) { userErrors { code } }
}"""
NAMES = "{ products(first: 5) { nodes { name } } }"
AVAILABLE = "{ products(first: 5) { nodes { name isAvailable } } }"
IN_STOCK_ONLY = "{ products(first: 5, filter: {inStock: true}) { nodes { name } } }"
PRICED = '{ products(first: 5) { nodes { pricing(channel: "us") { priceRange { start { gross { amount } } } } } } }'
IN_CHANNEL = '{ products(first: 5, filter: {channel: "us"}) { nodes { name } } }'


async def _post_json(container: Container, query: str, variables: dict[str, object], token: str) -> None:
    app = create_app(container=container)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        response = await client.post(
            "/graphql", json={"query": query, "variables": variables}, headers={"Authorization": f"Bearer {token}"}
        )
    assert response.json()["data"], response.text


async def _cache_states(container: Container, queries: list[str]) -> list[str]:
    return [(await _post(container, q)).headers.get("x-cache", "computed") for q in queries]


async def test_a_stock_count_change_keeps_responses_that_show_only_availability(cached: Container) -> None:
    """Stock counts change far more often than products sell out: a listing showing `isAvailable` (or filtered by
    `inStock`) stays cached across a count change, and goes when the product sells out or comes back."""
    await add_product(cached.database, slug="tote", name="Tote", variants_=[VariantSpec(on_hand=3, price=Decimal(10))])
    variant = (await _post(cached, QUERY)).json()["data"]["product"]["variants"][0]["id"]
    queries = [AVAILABLE, IN_STOCK_ONLY, QUERY]
    await _cache_states(cached, queries)
    assert await _cache_states(cached, queries) == ["hit"] * 3

    await _post_json(cached, STOCK, {"v": variant, "q": 7}, STAFF_TOKEN)
    recounted = await _cache_states(cached, queries)
    quantity = (await _post(cached, QUERY)).json()["data"]["product"]["variants"][0]["quantityAvailable"]
    await _post_json(cached, STOCK, {"v": variant, "q": 0}, STAFF_TOKEN)
    sold_out = await _cache_states(cached, queries)
    listed_when_sold_out = (await _post(cached, IN_STOCK_ONLY)).json()["data"]["products"]["nodes"]
    await _post_json(cached, STOCK, {"v": variant, "q": 2}, STAFF_TOKEN)
    restocked = await _cache_states(cached, queries)
    available = (await _post(cached, AVAILABLE)).json()["data"]["products"]["nodes"]

    assert recounted == ["hit", "hit", "computed"]
    assert quantity == 7
    assert sold_out == ["computed"] * 3
    assert listed_when_sold_out == []
    assert restocked == ["computed"] * 3
    assert available == [{"name": "Tote", "isAvailable": True}]


async def test_a_write_drops_only_the_responses_that_read_its_kind_of_data(cached: Container) -> None:
    """A stock change keeps names and prices cached; a price change keeps names and availability; a rename drops
    all. Listings whose membership depends on stock (inStock) or prices (a channel) go with those writes."""
    await add_product(cached.database, slug="tote", name="Tote", variants_=[VariantSpec(on_hand=3, price=Decimal(10))])
    queries = [NAMES, AVAILABLE, IN_STOCK_ONLY, PRICED, IN_CHANNEL]
    variant = (await _post(cached, QUERY)).json()["data"]["product"]["variants"][0]["id"]
    await _cache_states(cached, queries)
    assert await _cache_states(cached, queries) == ["hit"] * 5

    await _post_json(cached, STOCK, {"v": variant, "q": 0}, STAFF_TOKEN)
    after_stock = await _cache_states(cached, queries)
    sold_out = (await _post(cached, AVAILABLE)).json()["data"]["products"]["nodes"]
    await _post_json(cached, PRICE, {"v": variant, "a": "12.50"}, STAFF_TOKEN)
    after_price = await _cache_states(cached, queries)
    repriced = (await _post(cached, PRICED)).json()["data"]["products"]["nodes"]
    await _post_json(
        cached,
        'mutation($id: ID!) { productUpdate(id: $id, input: {name: "Big Tote"}) { userErrors { code } } }',
        {"id": (await _post(cached, '{ product(slug: "tote") { id } }')).json()["data"]["product"]["id"]},
        STAFF_TOKEN,
    )
    after_rename = await _cache_states(cached, queries)

    assert after_stock == ["hit", "computed", "computed", "hit", "hit"]
    assert sold_out == [{"name": "Tote", "isAvailable": False}]
    assert after_price == ["hit", "hit", "hit", "computed", "computed"]
    assert repriced[0]["pricing"]["priceRange"]["start"]["gross"]["amount"] == "12.50"
    assert after_rename == ["computed"] * 5
