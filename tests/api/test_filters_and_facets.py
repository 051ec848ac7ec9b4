"""Attribute and price filters, collections, and facets that agree with the listing they describe."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from app.bootstrap import Container
from data.demo import seed_catalog
from tests.factories import (
    VariantSpec,
    add_attribute,
    add_category,
    add_collection,
    add_product,
    set_attribute,
)
from tests.support import Api

SEARCH_NAMES = """
query($q: String!) { products(search: $q, first: 1, filter: {channel: "us"}) { totalCount } }
"""
LISTING = """
query($filter: ProductFilter, $sort: ProductSortInput, $after: String) {
  products(first: 10, filter: $filter, sortBy: $sort, after: $after) {
    totalCount
    nodes { name }
    pageInfo { endCursor }
    facets {
      categories { category { slug } count }
      attributes { attribute { slug } values { choice { slug } boolean count } }
      priceBuckets { minimum { amount currency } maximum { amount } count }
    }
  }
}
"""


async def _shop(container: Container) -> None:
    db = container.database
    clothing = await add_category(db, name="Clothing", slug="clothing")
    jackets = await add_category(db, name="Jackets", slug="jackets", parent_id=clothing)
    shoes = await add_category(db, name="Shoes", slug="shoes")
    colour = await add_attribute(db, slug="colour", kind="choice", choices=["red", "blue"])
    waterproof = await add_attribute(db, slug="waterproof", kind="boolean")
    weight = await add_attribute(db, slug="weight", kind="number", unit="kg")
    specs: list[tuple[str, int, str, list[str], bool, str]] = [
        ("Red Jacket", jackets, "80.00", ["red"], True, "1.2"),
        ("Blue Jacket", jackets, "120.00", ["blue"], True, "1.5"),
        ("Red Jumper", clothing, "40.00", ["red", "blue"], False, "0.6"),
        ("Blue Boot", shoes, "20.00", ["blue"], True, "2.0"),
    ]
    for name, category, price, colours, dry, kg in specs:
        product = await add_product(db, name=name, category_id=category, variants_=[VariantSpec(price=Decimal(price))])
        for c in colours:
            await set_attribute(db, product, colour[""], choice_id=colour[c])
        await set_attribute(db, product, waterproof[""], boolean=dry)
        await set_attribute(db, product, weight[""], number=Decimal(kg))


async def _listing(api: Api, **variables: Any) -> Any:
    return (await api.data(LISTING, variables))["products"]


def _names(listing: Any) -> list[str]:
    return [n["name"] for n in listing["nodes"]]


async def test_choice_boolean_and_number_attributes_filter_together(api: Api, container: Container) -> None:
    await _shop(container)

    red = await _listing(api, filter={"attributes": [{"slug": "colour", "values": ["red"]}]})
    dry_light = await _listing(
        api,
        filter={
            "attributes": [
                {"slug": "waterproof", "boolean": True},
                {"slug": "weight", "range": {"lte": "1.5"}},
            ]
        },
    )

    assert _names(red) == ["Red Jacket", "Red Jumper"]
    assert _names(dry_light) == ["Red Jacket", "Blue Jacket"]


async def test_products_filter_and_sort_by_price_in_a_channel(api: Api, container: Container) -> None:
    await _shop(container)

    cheap_first = await _listing(api, filter={"channel": "us"}, sort={"field": "PRICE"})
    middle = await _listing(api, filter={"channel": "us", "price": {"gte": "30", "lte": "100"}})
    dearest_first = await _listing(api, filter={"channel": "us"}, sort={"field": "PRICE", "direction": "DESC"})

    assert _names(cheap_first) == ["Blue Boot", "Red Jumper", "Red Jacket", "Blue Jacket"]
    assert _names(middle) == ["Red Jacket", "Red Jumper"]
    assert _names(dearest_first) == ["Blue Jacket", "Red Jacket", "Red Jumper", "Blue Boot"]


async def test_facet_counts_equal_the_counts_of_the_filtered_listing(api: Api, container: Container) -> None:
    await _shop(container)
    base = {"channel": "us", "attributes": [{"slug": "waterproof", "boolean": True}]}

    listing = await _listing(api, filter=base)
    facets = listing["facets"]

    assert listing["totalCount"] == 3
    for entry in facets["categories"]:
        narrowed = await _listing(
            api, filter={**base, "categoryId": await _category_id(api, entry["category"]["slug"])}
        )
        assert narrowed["totalCount"] == entry["count"], entry
    for attribute in facets["attributes"]:
        for value in attribute["values"]:
            wanted = {"slug": attribute["attribute"]["slug"]}
            wanted.update({"values": [value["choice"]["slug"]]} if value["choice"] else {"boolean": value["boolean"]})
            narrowed = await _listing(api, filter={**base, "attributes": [*base["attributes"], wanted]})
            assert narrowed["totalCount"] == value["count"], (attribute, value)
    for bucket in facets["priceBuckets"]:
        upper = bucket["maximum"]
        price = {
            "gte": bucket["minimum"]["amount"],
            **({"lte": str(Decimal(upper["amount"]) - Decimal("0.01"))} if upper else {}),
        }
        narrowed = await _listing(api, filter={**base, "price": price})
        assert narrowed["totalCount"] == bucket["count"], bucket
    assert {e["category"]["slug"]: e["count"] for e in facets["categories"]} == {
        "clothing": 2,
        "jackets": 2,
        "shoes": 1,
    }
    assert [b["count"] for b in facets["priceBuckets"]] == [1, 0, 1, 1, 0]
    assert facets["priceBuckets"][0]["minimum"] == {"amount": "0.00", "currency": "USD"}


async def _category_id(api: Api, slug: str) -> str:
    return str((await api.data("query($s: String!) { category(slug: $s) { id } }", {"s": slug}))["category"]["id"])


async def test_a_hand_picked_collection_lists_its_products_in_the_order_picked(api: Api, container: Container) -> None:
    first = await add_product(container.database, name="First")
    await add_product(container.database, name="Other")
    third = await add_product(container.database, name="Third")
    await add_collection(container.database, slug="staff-picks", product_ids=[third, first])

    data = await api.data(
        '{ collection(slug: "staff-picks") { name isRuleBased products { totalCount nodes { name } } } }'
    )

    assert data["collection"] == {
        "name": "Staff-Picks",
        "isRuleBased": False,
        "products": {"totalCount": 2, "nodes": [{"name": "Third"}, {"name": "First"}]},  # in the order picked
    }


async def test_rule_collections_are_saved_filters(api: Api, container: Container) -> None:
    now = datetime.now(UTC)
    db = container.database
    await add_product(
        db, name="Old cheap", created_at=now - timedelta(days=90), variants_=[VariantSpec(price=Decimal("9"))]
    )
    await add_product(
        db, name="New dear", created_at=now - timedelta(days=2), variants_=[VariantSpec(price=Decimal("99"))]
    )
    await add_product(
        db, name="New cheap", created_at=now - timedelta(days=1), variants_=[VariantSpec(price=Decimal("15"))]
    )
    await add_collection(db, slug="new-this-month", rule={"created_within_days": 30})
    await add_collection(db, slug="under-20", rule={"max_price": "20", "channel": "us"})

    data = await api.data(
        """{ new: collection(slug: "new-this-month") { products { nodes { name } } }
             cheap: collection(slug: "under-20") { products { nodes { name } } } }"""
    )

    assert [n["name"] for n in data["new"]["products"]["nodes"]] == ["New dear", "New cheap"]
    assert [n["name"] for n in data["cheap"]["products"]["nodes"]] == ["Old cheap", "New cheap"]


async def test_a_product_shows_its_attributes(api: Api, container: Container) -> None:
    await _shop(container)

    data = await api.data(
        """{ products(first: 1) { nodes {
            name attributes { attribute { slug kind unit } choices { slug } number boolean }
        } } }"""
    )

    assert data["products"]["nodes"][0] == {
        "name": "Red Jacket",
        "attributes": [
            {
                "attribute": {"slug": "colour", "kind": "CHOICE", "unit": None},
                "choices": [{"slug": "red"}],
                "number": None,
                "boolean": None,
            },
            {
                "attribute": {"slug": "waterproof", "kind": "BOOLEAN", "unit": None},
                "choices": [],
                "number": None,
                "boolean": True,
            },
            {
                "attribute": {"slug": "weight", "kind": "NUMBER", "unit": "kg"},
                "choices": [],
                "number": "1.2",
                "boolean": None,
            },
        ],
    }


async def test_bad_filters_get_stable_codes(api: Api, container: Container) -> None:
    await _shop(container)
    cases = [
        ({"channel": "us", "price": {"gte": "-1"}}, "INVALID_RANGE"),
        ({"channel": "us", "price": {"gte": "10", "lte": "5"}}, "INVALID_RANGE"),
        ({"price": {"gte": "1"}}, "CHANNEL_REQUIRED"),
        ({"channel": "mars"}, "UNKNOWN_CHANNEL"),
        ({"attributes": [{"slug": "flavour", "values": ["mint"]}]}, "UNKNOWN_ATTRIBUTE"),
        ({"attributes": [{"slug": "colour", "values": ["green"]}]}, "UNKNOWN_ATTRIBUTE"),
        ({"attributes": [{"slug": "colour", "boolean": True}]}, "INVALID_ATTRIBUTE_FILTER"),
        ({"attributes": [{"slug": "weight", "range": {"gte": "3", "lte": "1"}}]}, "INVALID_RANGE"),
    ]
    for given, code in cases:
        errors = await api.errors(LISTING, {"filter": given})
        assert errors[0]["extensions"]["code"] == code, given


async def test_a_client_filter_narrows_a_rule_collection_instead_of_replacing_it(
    api: Api, container: Container
) -> None:
    db = container.database
    for name, price in (("Nine", "9"), ("Fifteen", "15"), ("Ninety", "90")):
        await add_product(db, name=name, variants_=[VariantSpec(price=Decimal(price))])
    await add_collection(db, slug="under-20", rule={"max_price": "20", "channel": "us"})

    data = await api.data(
        """{ all: collection(slug: "under-20") { products(filter: {price: {gte: "0"}}) { nodes { name } } }
             cheapest: collection(slug: "under-20") {
               products(sortBy: {field: PRICE, direction: DESC}) { nodes { name } } } }"""
    )

    assert [n["name"] for n in data["all"]["products"]["nodes"]] == ["Nine", "Fifteen"]
    assert [n["name"] for n in data["cheapest"]["products"]["nodes"]] == ["Fifteen", "Nine"]


async def test_a_hand_picked_order_pages_with_cursors_and_only_in_a_collection(api: Api, container: Container) -> None:
    ids = [await add_product(container.database, name=f"P{n}") for n in range(5)]
    await add_collection(container.database, slug="picks", product_ids=[ids[3], ids[0], ids[4], ids[1]])
    page = (
        '{ collection(slug: "picks") { products(first: 2, after: $after) { nodes { name } pageInfo { endCursor } } } }'
    )
    query = "query($after: String) " + page
    first = (await api.data(query, {"after": None}))["collection"]["products"]

    second = (await api.data(query, {"after": first["pageInfo"]["endCursor"]}))["collection"]["products"]
    outside = await api.errors("{ products(sortBy: {field: POSITION}) { totalCount } }")

    assert [n["name"] for n in first["nodes"] + second["nodes"]] == ["P3", "P0", "P4", "P1"]
    assert outside[0]["extensions"]["code"] == "INVALID_SORT"


async def test_the_demo_catalogue_has_attributes_to_filter_by_and_collections(api: Api, container: Container) -> None:
    """`serve --demo` should show every catalogue feature: attribute facets and filters, both kinds of collection."""
    await seed_catalog(container.database, products=200, seed=5)
    everything = (await api.data(LISTING, {"filter": {"channel": "us"}}))["products"]
    facets = {a["attribute"]["slug"]: a["values"] for a in everything["facets"]["attributes"]}
    wool = next(v for v in facets["material"] if v["choice"]["slug"] == "wool")

    woollen = await api.data(
        LISTING, {"filter": {"channel": "us", "attributes": [{"slug": "material", "values": ["wool"]}]}}
    )
    organic = await api.data(
        LISTING, {"filter": {"channel": "us", "attributes": [{"slug": "organic", "boolean": True}]}}
    )
    found = await api.data(SEARCH_NAMES, {"q": "wool"})
    picks = await api.data('{ collection(slug: "staff-picks") { products { nodes { slug } } } }')
    cheap = await api.data(
        """{ collection(slug: "under-20") { products(first: 50) { nodes {
             pricing(channel: "us") { priceRange { start { gross { amount } } } } } } } }"""
    )

    assert sorted(facets) == ["colour", "material", "organic"]
    assert woollen["products"]["totalCount"] == wool["count"] > 0
    assert all("Wool" in n["name"] for n in woollen["products"]["nodes"])
    assert organic["products"]["totalCount"] == sum(v["count"] for v in facets["organic"] if v["boolean"] is True)
    assert found["products"]["totalCount"] == wool["count"]  # attribute values are searchable too
    assert len(picks["collection"]["products"]["nodes"]) == 2  # products 97 and 194
    prices = [
        Decimal(n["pricing"]["priceRange"]["start"]["gross"]["amount"])
        for n in cheap["collection"]["products"]["nodes"]
    ]
    assert prices
    assert max(prices) <= Decimal(20)
