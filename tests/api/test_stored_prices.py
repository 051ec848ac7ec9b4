"""Listings read each product's stored price summary while it holds, and answer exactly as the engine would.

A summary is stored by the refresher (`Container.refresh_stored_prices`, run by every API process in the
background); a write that changes a product's prices marks it out of date, and a promotion starting or ending ends
it. Until it is stored again, the engine prices the product: slower, never wrong.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import delete, select

from app.bootstrap import Container
from app.pricing_refresher import PriceRefresher
from app.settings import Settings
from data.tables import channel_prices, product_channel_listings, variants
from tests.factories import VariantSpec, add_category, add_product
from tests.fakes import FixedClock
from tests.support import Api, container_with

LISTING = """
query($channel: String, $country: String) {
  category(slug: "coats") {
    products(first: 50) {
      edges { node {
        slug
        pricing(channel: $channel, country: $country) {
          channel onSale maxDiscount { amount currency }
          priceRange { start { net { amount } gross { amount currency } } stop { net { amount } gross { amount } } }
          priceRangeUndiscounted { start { net { amount } gross { amount } } stop { gross { amount } net { amount } } }
        }
      } }
    }
  }
}
"""
PROMOTE = """
mutation($input: CataloguePromotionInput!) {
  cataloguePromotionCreate(input: $input) { promotionId userErrors { field code message } }
}
"""
REPRICE = """
mutation($v: ID!, $input: VariantPriceInput!) {
  variantPriceUpdate(variantId: $v, input: $input) { userErrors { field code } }
}
"""
MOVE = """
mutation($id: ID!, $category: ID!) {
  productUpdate(id: $id, input: {categoryId: $category}) { userErrors { field code } }
}
"""
# Where the listing is asked for: each channel at home, and one taxed for another country.
PLACES: list[dict[str, Any]] = [
    {"channel": "us", "country": None},
    {"channel": "uk", "country": None},
    {"channel": "uk", "country": "DE"},
    {"channel": "eu", "country": None},
]


def _spec(price: str, channel: str) -> VariantSpec:
    return VariantSpec(price=Decimal(price), channel=channel)


async def _catalog(container: Container) -> dict[str, int]:
    """Coats (some in a subcategory), priced alike and not, in three channels."""
    coats = await add_category(container.database, name="Coats", slug="coats")
    wool = await add_category(container.database, name="Wool", slug="wool", parent_id=coats)
    specs = {
        "parka": [_spec("120.00", "us"), _spec("99.99", "us"), _spec("100.00", "uk"), _spec("110.00", "eu")],
        "duffle": [_spec("80.00", "us"), _spec("80.00", "us"), _spec("64.99", "uk")],
        "trench": [_spec("250.00", "us"), _spec("19.95", "uk"), _spec("300.00", "uk"), _spec("7.00", "eu")],
        "pea": [_spec("55.55", "us")],  # sold in one channel only
    }
    found = {}
    for slug, variant_specs in specs.items():
        category = wool if slug in ("duffle", "pea") else coats
        found[slug] = await add_product(
            container.database, name=slug.title(), slug=slug, category_id=category, variants_=variant_specs
        )
    return {**found, "coats": coats, "wool": wool}


async def _listings(api: Api) -> list[Any]:
    return [await api.data(LISTING, place) for place in PLACES]


async def _global_id(api: Api, kind: str, slug: str) -> str:
    return str((await api.data(f'{{ {kind}(slug: "{slug}") {{ id }} }}'))[kind]["id"])


async def _promote(api: Api, **fields: Any) -> None:
    created = await api.data(PROMOTE, {"input": {"name": "Sale", **fields}}, staff=True)
    assert created["cataloguePromotionCreate"]["userErrors"] == []


async def _stored_rows(container: Container) -> int:
    async with container.database.engine.connect() as conn:
        statement = select(product_channel_listings.c.product_id).where(
            product_channel_listings.c.price_start.is_not(None),
            product_channel_listings.c.prices_valid_until > datetime.now(UTC),
        )
        return len((await conn.execute(statement)).all())


async def test_stored_summaries_answer_as_the_engine_does_in_every_channel_and_country(
    api: Api, container: Container
) -> None:
    await _catalog(container)
    wool = await _global_id(api, "category", "wool")
    await _promote(api, reward={"percentage": "15"}, channels=["uk", "eu"], categoryIds=[wool])
    await _promote(api, reward={"fixedAmount": "5.00", "currency": "USD"}, channels=["us"], stackable=True)
    await _promote(api, reward={"percentage": "10"}, channels=["us"], stackable=True, priority=2)
    engine = await _listings(api)

    stored_count = await container.refresh_stored_prices()
    stored = await _listings(api)

    assert stored_count == 9  # parka, duffle, trench, pea in us; parka, duffle, trench in uk; parka, trench in eu
    assert await _stored_rows(container) == 9
    assert stored == engine
    uk = {e["node"]["slug"]: e["node"]["pricing"] for e in stored[1]["category"]["products"]["edges"]}
    assert uk["duffle"]["onSale"] is True
    assert uk["duffle"]["priceRange"]["start"]["gross"] == {"amount": "55.24", "currency": "GBP"}
    assert uk["pea"] is None  # not sold in the channel


async def test_a_price_change_is_listed_at_once_and_stored_again(api: Api, container: Container) -> None:
    await _catalog(container)
    await container.refresh_stored_prices()
    variant = (await api.data('{ product(slug: "duffle") { variants { id } } }'))["product"]["variants"][0]["id"]

    await api.data(REPRICE, {"v": variant, "input": {"channel": "us", "amount": "70.00"}}, staff=True)
    changed = await api.data(LISTING, PLACES[0])
    again = await container.refresh_stored_prices()

    duffle = next(e for e in changed["category"]["products"]["edges"] if e["node"]["slug"] == "duffle")
    assert duffle["node"]["pricing"]["priceRange"]["start"]["gross"]["amount"] == "70.00"
    assert again == 2  # the duffle, in the two channels it is sold in (its listing rows are written anew)
    assert await api.data(LISTING, PLACES[0]) == changed


async def test_a_new_promotion_is_listed_at_once_and_stored_again(api: Api, container: Container) -> None:
    await _catalog(container)
    await container.refresh_stored_prices()

    await _promote(api, reward={"percentage": "50"}, channels=["eu"])
    on_sale = await api.data(LISTING, PLACES[3])
    again = await container.refresh_stored_prices()

    prices = {e["node"]["slug"]: e["node"]["pricing"] for e in on_sale["category"]["products"]["edges"]}
    assert prices["parka"]["priceRange"]["start"]["gross"]["amount"] == "55.00"
    assert prices["parka"]["onSale"] is True
    assert again == 2  # the products sold in `eu`
    assert await api.data(LISTING, PLACES[3]) == on_sale


async def test_moving_a_product_to_a_promoted_category_is_listed_at_once(api: Api, container: Container) -> None:
    await _catalog(container)
    wool = await _global_id(api, "category", "wool")
    await _promote(api, reward={"percentage": "20"}, channels=["us"], categoryIds=[wool])
    await container.refresh_stored_prices()

    parka = await _global_id(api, "product", "parka")
    moved = await api.data(MOVE, {"id": parka, "category": wool}, staff=True)
    listed = await api.data(LISTING, PLACES[0])

    assert moved["productUpdate"]["userErrors"] == []
    prices = {e["node"]["slug"]: e["node"]["pricing"] for e in listed["category"]["products"]["edges"]}
    assert prices["parka"]["priceRange"]["start"]["gross"]["amount"] == "79.99"  # 99.99 less 20 %
    await container.refresh_stored_prices()
    assert await api.data(LISTING, PLACES[0]) == listed


async def test_a_summary_stops_holding_when_a_promotion_starts_or_ends(api: Api, container: Container) -> None:
    await _catalog(container)
    now = datetime.now(UTC).replace(microsecond=0)
    starts, ends = now + timedelta(hours=1), now + timedelta(hours=2)
    await _promote(
        api, reward={"percentage": "10"}, channels=["us"], startsAt=starts.isoformat(), endsAt=ends.isoformat()
    )
    clock = FixedClock(now)
    container.clock = clock
    await container.refresh_stored_prices()
    before = await api.data(LISTING, PLACES[0])

    clock.current = starts
    during = await api.data(LISTING, PLACES[0])  # the stored summaries no longer hold: the engine prices
    stored_during = await container.refresh_stored_prices()
    during_stored = await api.data(LISTING, PLACES[0])
    clock.current = ends
    after = await api.data(LISTING, PLACES[0])

    def parka(listing: Any) -> Any:
        return next(e for e in listing["category"]["products"]["edges"] if e["node"]["slug"] == "parka")["node"]

    assert parka(before)["pricing"]["priceRange"]["start"]["gross"]["amount"] == "99.99"
    assert parka(during)["pricing"]["priceRange"]["start"]["gross"]["amount"] == "89.99"
    assert stored_during == 4  # every product sold in `us`
    assert during_stored == during
    assert after == before


async def test_a_row_with_nothing_to_price_is_stored_as_such(api: Api, container: Container) -> None:
    ids = await _catalog(container)
    async with container.database.engine.begin() as conn:  # the prices go, as a bulk import might leave them
        owned = select(variants.c.id).where(variants.c.product_id == ids["pea"])
        await conn.execute(delete(channel_prices).where(channel_prices.c.variant_id.in_(owned)))

    assert await container.refresh_stored_prices() == 9  # its row included: marked as nothing to store
    assert await container.refresh_stored_prices() == 0
    listed = await api.data(LISTING, PLACES[0])
    assert {e["node"]["slug"]: e["node"]["pricing"] for e in listed["category"]["products"]["edges"]}["pea"] is None


@pytest.mark.parametrize("backend", ["production"])  # several processes: PostgreSQL only
async def test_processes_refreshing_at_once_store_each_summary_once(settings: Settings, container: Container) -> None:
    await _catalog(container)
    for n in range(40):
        await add_product(container.database, name=f"Extra {n}", variants_=[_spec("10.00", "us")])

    async with container_with(settings) as other, container_with(settings) as third:
        done = await asyncio.gather(
            *(c.request_scope()[0].pricing.refresh_stored_prices(batch=7) for c in (container, other, third))
        )

    assert sum(done) == 9 + 40
    assert await container.refresh_stored_prices() == 0


async def test_the_refresher_stores_summaries_in_the_background_and_survives_a_failure(
    api: Api, container: Container
) -> None:
    await _catalog(container)
    calls: list[str] = []

    async def refresh() -> int:
        calls.append("called")
        if len(calls) == 1:
            raise RuntimeError("the database went away")
        return await container.refresh_stored_prices()

    refresher = PriceRefresher(refresh, interval=0.05)
    refresher.start()
    try:
        for _ in range(200):
            if await _stored_rows(container) == 9:
                break
            await asyncio.sleep(0.05)
    finally:
        await refresher.stop()

    assert len(calls) >= 2
    assert await _stored_rows(container) == 9
