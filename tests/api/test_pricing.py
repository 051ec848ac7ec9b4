"""Prices over GraphQL: channels, tax, promotions and their breakdown, changes read back at once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from app.asgi import create_app
from app.bootstrap import Container, build_container
from app.settings import Settings
from tests.conftest import STAFF_TOKEN
from tests.factories import VariantSpec, add_category, add_collection, add_product
from tests.support import Api, StatementCounter, reset_database

PRICING = """
query($slug: String!, $channel: String, $country: String) {
  product(slug: $slug) {
    pricing(channel: $channel, country: $country) {
      channel onSale maxDiscount { amount currency }
      priceRange { start { gross { amount } net { amount } } stop { gross { amount } } }
      priceRangeUndiscounted { start { gross { amount } } }
    }
    variants {
      sku
      pricing(channel: $channel, country: $country) {
        price { net { amount } gross { amount } tax { amount } }
        undiscounted { gross { amount } }
        base { amount currency } discount { amount } onSale taxRate taxClass
        adjustments { kind sourceName amount { amount } }
        explanation
      }
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
  variantPriceUpdate(variantId: $v, input: $input) { price { amount currency } userErrors { field code } }
}
"""


async def _shirt(container: Container) -> int:
    category = await add_category(container.database, name="Shirts", slug="shirts")
    return await add_product(
        container.database,
        name="Oxford Shirt",
        slug="shirt",
        category_id=category,
        variants_=[
            VariantSpec(sku="S-US", price=Decimal("50.00")),
            VariantSpec(sku="S-UK", price=Decimal("36.00"), channel="uk"),
            VariantSpec(sku="S-EU", price=Decimal("42.00"), channel="eu"),
        ],
    )


async def _pricing(api: Api, **variables: Any) -> Any:
    return (await api.data(PRICING, {"slug": "shirt", **variables}))["product"]


async def test_a_net_channel_adds_tax_and_a_gross_channel_includes_it(api: Api, container: Container) -> None:
    await _shirt(container)

    us = await _pricing(api)
    uk = await _pricing(api, channel="uk")

    assert us["pricing"]["priceRange"]["start"] == {"gross": {"amount": "50.00"}, "net": {"amount": "50.00"}}
    assert uk["pricing"]["priceRange"]["start"] == {"gross": {"amount": "36.00"}, "net": {"amount": "30.00"}}
    assert [v["pricing"] is None for v in uk["variants"]] == [True, False, True]
    assert uk["variants"][1]["pricing"]["price"] == {
        "net": {"amount": "30.00"},
        "gross": {"amount": "36.00"},
        "tax": {"amount": "6.00"},
    }


async def test_a_country_changes_the_tax_split_not_the_gross_price(api: Api, container: Container) -> None:
    await _shirt(container)

    germany = await _pricing(api, channel="uk", country="DE")

    price = germany["variants"][1]["pricing"]["price"]
    assert price == {"net": {"amount": "30.25"}, "gross": {"amount": "36.00"}, "tax": {"amount": "5.75"}}


async def test_a_promotion_shows_its_saving_and_source_at_once(api: Api, container: Container) -> None:
    await _shirt(container)
    category_id = (await api.data('{ category(slug: "shirts") { id } }'))["category"]["id"]
    before = await _pricing(api, channel="uk")

    created = await api.data(
        PROMOTE,
        {
            "input": {
                "name": "Shirt week",
                "reward": {"percentage": "25"},
                "channels": ["uk"],
                "categoryIds": [category_id],
            }
        },
        staff=True,
    )
    after = await _pricing(api, channel="uk")

    assert created["cataloguePromotionCreate"]["userErrors"] == []
    assert before["pricing"]["onSale"] is False
    assert after["pricing"]["onSale"] is True
    assert after["pricing"]["maxDiscount"] == {"amount": "9.00", "currency": "GBP"}
    unit = after["variants"][1]["pricing"]
    assert unit["price"]["gross"] == {"amount": "27.00"}
    assert unit["undiscounted"]["gross"] == {"amount": "36.00"}
    assert unit["adjustments"] == [
        {"kind": "CATALOGUE_PROMOTION", "sourceName": "Shirt week", "amount": {"amount": "9.00"}}
    ]
    assert unit["explanation"][0] == "Base GBP 36.00 (entered with tax)"
    assert (await _pricing(api))["pricing"]["onSale"] is False  # another channel


async def test_a_scheduled_promotion_starts_by_itself(api: Api, container: Container) -> None:
    await _shirt(container)
    starts = datetime.now(UTC) + timedelta(seconds=3)  # time for a write and a read on a loaded machine
    await api.data(
        PROMOTE,
        {
            "input": {
                "name": "Flash",
                "reward": {"percentage": "10"},
                "channels": ["us"],
                "startsAt": starts.isoformat(),
            }
        },
        staff=True,
    )
    before = await _pricing(api)

    await asyncio.sleep((starts - datetime.now(UTC)).total_seconds() + 0.05)
    after = await _pricing(api)

    assert before["pricing"]["onSale"] is False
    assert after["pricing"]["onSale"] is True
    assert after["pricing"]["priceRange"]["start"]["gross"] == {"amount": "45.00"}


async def test_a_price_change_is_read_back_at_once(api: Api, container: Container) -> None:
    await _shirt(container)
    variant_id = (await api.data('{ product(slug: "shirt") { variants { id } } }'))["product"]["variants"][0]["id"]
    await _pricing(api)

    changed = await api.data(REPRICE, {"v": variant_id, "input": {"channel": "us", "amount": "42.50"}}, staff=True)
    after = await _pricing(api)

    assert changed["variantPriceUpdate"] == {"price": {"amount": "42.50", "currency": "USD"}, "userErrors": []}
    assert after["pricing"]["priceRange"]["start"]["gross"] == {"amount": "42.50"}


async def test_a_compare_at_price_is_shown_with_and_without_tax(api: Api, container: Container) -> None:
    await _shirt(container)
    query = """{ product(slug: "shirt") { variants { id pricing(channel: "uk") {
        compareAt { net { amount } gross { amount } tax { amount } } } } } }"""
    uk_variant = (await api.data(query))["product"]["variants"][1]

    changed = await api.data(
        REPRICE,
        {"v": uk_variant["id"], "input": {"channel": "uk", "amount": "36.00", "compareAt": "48.00"}},
        staff=True,
    )
    after = (await api.data(query))["product"]["variants"][1]

    assert changed["variantPriceUpdate"]["userErrors"] == []
    assert uk_variant["pricing"]["compareAt"] is None
    assert after["pricing"]["compareAt"] == {
        "net": {"amount": "40.00"},
        "gross": {"amount": "48.00"},
        "tax": {"amount": "8.00"},
    }


async def test_bad_prices_and_channels_are_user_errors(api: Api, container: Container) -> None:
    await _shirt(container)
    variant_id = (await api.data('{ product(slug: "shirt") { variants { id } } }'))["product"]["variants"][0]["id"]

    negative = await api.data(REPRICE, {"v": variant_id, "input": {"channel": "us", "amount": "-1"}}, staff=True)
    nowhere = await api.data(REPRICE, {"v": variant_id, "input": {"channel": "mars", "amount": "1"}}, staff=True)
    mismatch = await api.data(
        PROMOTE,
        {"input": {"name": "Bad", "reward": {"fixedAmount": "5", "currency": "EUR"}, "channels": ["us"]}},
        staff=True,
    )

    assert negative["variantPriceUpdate"]["userErrors"] == [{"field": ["input", "amount"], "code": "INVALID_PRICE"}]
    assert nowhere["variantPriceUpdate"]["userErrors"] == [{"field": ["input", "channel"], "code": "UNKNOWN_CHANNEL"}]
    assert [e["code"] for e in mismatch["cataloguePromotionCreate"]["userErrors"]] == ["CHANNEL_CURRENCY_MISMATCH"]


async def test_an_unknown_channel_in_a_query_gets_a_stable_code(api: Api, container: Container) -> None:
    await _shirt(container)

    errors = await api.errors('{ product(slug: "shirt") { pricing(channel: "mars") { onSale } } }')

    assert errors[0]["extensions"] == {"code": "UNKNOWN_CHANNEL", "field": "channel"}
    assert errors[0]["message"] == "There is no channel 'mars'."


async def test_shoppers_may_not_change_prices(api: Api, container: Container) -> None:
    await _shirt(container)
    variant_id = (await api.data('{ product(slug: "shirt") { variants { id } } }'))["product"]["variants"][0]["id"]

    errors = await api.errors(REPRICE, {"v": variant_id, "input": {"channel": "us", "amount": "1"}})

    assert errors[0]["extensions"]["code"] == "FORBIDDEN"


LISTING = """
query($channel: String) {
  products(first: 24) { nodes { pricing(channel: $channel) { onSale priceRange { start { gross { amount } } } } } }
}
"""


async def _statements(container: Container, channel: str) -> int:
    app = create_app(container=container)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        counter = StatementCounter(container.metrics)
        body = (await client.post("/graphql", json={"query": LISTING, "variables": {"channel": channel}})).json()
    assert "errors" not in body, body
    return counter.count


async def test_pricing_a_listing_costs_a_few_statements_whatever_its_size(settings: Settings) -> None:
    cold = build_container(settings.model_copy(update={"cache_enabled": False}))
    try:
        await reset_database(cold.database)
        for n in range(3):
            await add_product(cold.database, name=f"Few {n}", variants_=[VariantSpec(), VariantSpec(channel="uk")])
        few = {channel: await _statements(cold, channel) for channel in ("us", "uk")}
        await cold.refresh_stored_prices()
        few_stored = {channel: await _statements(cold, channel) for channel in ("us", "uk")}
        for n in range(30):
            await add_product(cold.database, name=f"Many {n}", variants_=[VariantSpec(), VariantSpec(channel="uk")])
        many = {channel: await _statements(cold, channel) for channel in ("us", "uk")}
        await cold.refresh_stored_prices()
        many_stored = {channel: await _statements(cold, channel) for channel in ("us", "uk")}
    finally:
        await cold.aclose()

    assert few == many
    # The page, the small tables (channels, tax, promotions, categories), the stored summaries (on PostgreSQL,
    # read with the page), and the variants' prices of the products whose summaries are not stored (yet)
    on_postgres = cold.database.engine.dialect.name == "postgresql"
    assert max(many.values()) == (3 if on_postgres else 4)
    assert few_stored == many_stored
    assert max(many_stored.values()) == (2 if on_postgres else 3)  # with every summary stored, no price is read


@pytest.mark.parametrize("backend", ["production"])  # embedded mode is one process by design
async def test_a_price_change_on_one_process_is_read_on_another(settings: Settings, container: Container) -> None:
    await _shirt(container)
    other = build_container(settings)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(container=other)), base_url="http://other"
        ) as second:
            reader = Api(second, staff_token=STAFF_TOKEN)
            await _pricing(reader)
            variant_id = (await reader.data('{ product(slug: "shirt") { variants { id } } }'))["product"]["variants"][
                0
            ]["id"]
            writer = container
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=create_app(container=writer)), base_url="http://writer"
            ) as first:
                await Api(first, staff_token=STAFF_TOKEN).data(
                    REPRICE, {"v": variant_id, "input": {"channel": "us", "amount": "61.00"}}, staff=True
                )
            after = await _pricing(reader)
    finally:
        await other.aclose()

    assert after["pricing"]["priceRange"]["start"]["gross"] == {"amount": "61.00"}


async def test_a_bad_channel_fails_only_its_own_fields(api: Api, container: Container) -> None:
    await _shirt(container)

    body = await api.post(
        '{ product(slug: "shirt") { good: pricing(channel: "uk") { onSale } '
        'bad: pricing(channel: "mars") { onSale } } }'
    )

    assert body["data"] == {"product": {"good": {"onSale": False}, "bad": None}}
    assert [e["extensions"]["code"] for e in body["errors"]] == ["UNKNOWN_CHANNEL"]


async def test_price_mutations_name_the_field_at_fault(api: Api, container: Container) -> None:
    await _shirt(container)
    variant_id = (await api.data('{ product(slug: "shirt") { variants { id } } }'))["product"]["variants"][0]["id"]

    finer = await api.data(REPRICE, {"v": variant_id, "input": {"channel": "us", "amount": "10.001"}}, staff=True)
    compare = await api.data(
        REPRICE, {"v": variant_id, "input": {"channel": "us", "amount": "10", "compareAt": "-5"}}, staff=True
    )
    missing = await api.data(
        REPRICE, {"v": "UHJvZHVjdFZhcmlhbnQ6OTk5OQ==", "input": {"channel": "us", "amount": "1"}}, staff=True
    )
    percent = await api.data(
        PROMOTE, {"input": {"name": "Big", "reward": {"percentage": "150"}, "channels": ["us"]}}, staff=True
    )

    assert finer["variantPriceUpdate"]["userErrors"] == [{"field": ["input", "amount"], "code": "INVALID_PRICE"}]
    assert compare["variantPriceUpdate"]["userErrors"] == [{"field": ["input", "compareAt"], "code": "INVALID_PRICE"}]
    assert missing["variantPriceUpdate"]["userErrors"] == [{"field": ["variantId"], "code": "VARIANT_NOT_FOUND"}]
    assert [(e["field"], e["code"]) for e in percent["cataloguePromotionCreate"]["userErrors"]] == [
        (["input", "reward", "percentage"], "INVALID_PERCENTAGE")
    ]


async def test_a_shopper_is_refused_before_a_promotion_is_even_checked(api: Api) -> None:
    errors = await api.errors(PROMOTE, {"input": {"name": "", "reward": {"percentage": "500"}, "channels": []}})

    assert errors[0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_promotion_on_a_collection_discounts_its_products(api: Api, container: Container) -> None:
    shirt = await _shirt(container)
    await add_product(container.database, name="Sock", slug="sock", variants_=[VariantSpec(price=Decimal("5.00"))])
    await add_collection(container.database, slug="picks", product_ids=[shirt])
    picks = (await api.data('{ collection(slug: "picks") { id } }'))["collection"]["id"]

    await api.data(
        PROMOTE,
        {"input": {"name": "Picks", "reward": {"percentage": "10"}, "channels": ["us"], "collectionIds": [picks]}},
        staff=True,
    )
    data = await api.data(
        '{ shirt: product(slug: "shirt") { pricing { onSale } } sock: product(slug: "sock") { pricing { onSale } } }'
    )

    assert data == {"shirt": {"pricing": {"onSale": True}}, "sock": {"pricing": {"onSale": False}}}


async def test_in_a_listing_a_bad_channel_fails_each_node_field_not_the_page(api: Api, container: Container) -> None:
    """The page's prices are loaded before its nodes resolve; a failure still lands on each field, as before."""
    await _shirt(container)

    body = await api.post(
        "{ products(first: 5) { nodes { name ...Prices thumbnail { url } category { name } } } }"
        " fragment Prices on Product "
        '{ good: pricing(channel: "uk") { onSale } bad: pricing(channel: "mars") { onSale } }'
    )

    assert body["data"]["products"]["nodes"] == [
        {
            "name": "Oxford Shirt",
            "good": {"onSale": False},
            "bad": None,
            "thumbnail": None,
            "category": {"name": "Shirts"},
        }
    ]
    assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [
        (["products", "nodes", 0, "bad"], "UNKNOWN_CHANNEL")
    ]
