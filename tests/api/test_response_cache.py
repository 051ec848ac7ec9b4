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
from tests.support import StatementCounter, reset_database

QUERY = '{ product(slug: "tote") { name variants { id quantityAvailable pricing { price { gross { amount } } } } } }'


@pytest.fixture
async def cached(settings: Settings) -> AsyncIterator[Container]:
    container = build_container(settings.model_copy(update={"response_cache_seconds": 60}))
    await reset_database(container.database)
    try:
        yield container
    finally:
        await container.aclose()


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
    starts = datetime.now(UTC) + timedelta(seconds=2)
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
