"""Mutations: business failures come back as `userErrors`, permission failures as coded errors."""

from __future__ import annotations

import asyncio

from app.bootstrap import Container
from tests.factories import VariantSpec, add_category, add_product
from tests.support import Api

UPDATE = """
mutation($id: ID!, $input: ProductUpdateInput!) {
  productUpdate(id: $id, input: $input) {
    product { name slug description }
    userErrors { field message code }
  }
}
"""
STOCK = """
mutation($v: ID!, $q: Int!) {
  stockUpdate(variantId: $v, quantity: $q) { quantityOnHand quantityAvailable userErrors { field message code } }
}
"""


async def _product_gid(api: Api, slug: str) -> str:
    return str((await api.data("query($s: String!) { product(slug: $s) { id } }", {"s": slug}))["product"]["id"])


async def test_staff_can_rename_a_product(api: Api, container: Container) -> None:
    await add_product(container.database, name="Tote", slug="tote")
    gid = await _product_gid(api, "tote")

    data = await api.data(UPDATE, {"id": gid, "input": {"name": "  Canvas Tote ", "slug": "canvas-tote"}}, staff=True)

    assert data["productUpdate"] == {
        "product": {"name": "Canvas Tote", "slug": "canvas-tote", "description": "About Tote."},
        "userErrors": [],
    }


async def test_an_empty_name_is_a_user_error_with_its_field(api: Api, container: Container) -> None:
    await add_product(container.database, name="Tote", slug="tote")
    gid = await _product_gid(api, "tote")

    data = await api.data(UPDATE, {"id": gid, "input": {"name": "   "}}, staff=True)

    assert data["productUpdate"] == {
        "product": None,
        "userErrors": [{"field": ["input", "name"], "message": "A name cannot be empty.", "code": "INVALID_NAME"}],
    }
    assert (await api.data('{ product(slug: "tote") { name } }'))["product"]["name"] == "Tote"


async def test_a_taken_slug_is_a_user_error_and_changes_nothing(api: Api, container: Container) -> None:
    await add_product(container.database, name="Tote", slug="tote")
    await add_product(container.database, name="Bag", slug="bag")
    gid = await _product_gid(api, "tote")

    data = await api.data(UPDATE, {"id": gid, "input": {"name": "Renamed", "slug": "bag"}}, staff=True)

    assert data["productUpdate"]["userErrors"] == [
        {"field": ["input", "slug"], "message": "Another product already uses this slug.", "code": "SLUG_TAKEN"}
    ]
    assert (await api.data('{ product(slug: "tote") { name } }'))["product"]["name"] == "Tote"


async def test_a_malformed_slug_is_a_user_error(api: Api, container: Container) -> None:
    await add_product(container.database, name="Tote", slug="tote")
    gid = await _product_gid(api, "tote")

    data = await api.data(UPDATE, {"id": gid, "input": {"slug": "Not A Slug"}}, staff=True)

    assert [e["code"] for e in data["productUpdate"]["userErrors"]] == ["INVALID_SLUG"]


async def test_a_missing_product_is_a_user_error_on_the_id(api: Api) -> None:
    data = await api.data(UPDATE, {"id": "UHJvZHVjdDo5OTk5", "input": {"name": "X"}}, staff=True)

    assert data["productUpdate"]["userErrors"] == [
        {"field": ["id"], "message": "No such product.", "code": "PRODUCT_NOT_FOUND"}
    ]


async def test_a_shopper_may_not_change_the_catalog(api: Api, container: Container) -> None:
    await add_product(container.database, name="Tote", slug="tote")
    gid = await _product_gid(api, "tote")

    errors = await api.errors(UPDATE, {"id": gid, "input": {"name": "Mine"}})

    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    assert errors[0]["path"] == ["productUpdate"]


async def test_a_wrong_token_is_refused_before_anything_runs(api: Api) -> None:
    response = await api.client.post(
        "/graphql", json={"query": "{ products { totalCount } }"}, headers={"Authorization": "Bearer nope"}
    )

    assert response.status_code == 401
    assert response.json() == {
        "data": None,
        "errors": [{"message": "The bearer token is not valid.", "extensions": {"code": "UNAUTHENTICATED"}}],
    }


async def test_stock_can_be_counted_and_a_negative_count_is_refused(api: Api, container: Container) -> None:
    await add_product(container.database, slug="tote", variants_=[VariantSpec(on_hand=2)])
    variant = (await api.data('{ product(slug: "tote") { variants { id } } }'))["product"]["variants"][0]["id"]

    good = await api.data(STOCK, {"v": variant, "q": 12}, staff=True)
    bad = await api.data(STOCK, {"v": variant, "q": -1}, staff=True)

    assert good["stockUpdate"] == {"quantityOnHand": 12, "quantityAvailable": 12, "userErrors": []}
    assert bad["stockUpdate"] == {
        "quantityOnHand": None,
        "quantityAvailable": None,
        "userErrors": [
            {"field": ["quantity"], "message": "Quantity must be between 0 and 1000000000.", "code": "INVALID_QUANTITY"}
        ],
    }


async def test_stock_of_an_unknown_variant_is_a_user_error(api: Api) -> None:
    data = await api.data(STOCK, {"v": "UHJvZHVjdFZhcmlhbnQ6OTk5", "q": 1}, staff=True)

    assert [e["code"] for e in data["stockUpdate"]["userErrors"]] == ["VARIANT_NOT_FOUND"]


IN_STOCK_SLUGS = """
query($inStock: Boolean!) { products(first: 10, filter: {inStock: $inStock}) { nodes { slug } } }
"""


async def _slugs(api: Api, *, in_stock: bool) -> list[str]:
    data = await api.data(IN_STOCK_SLUGS, {"inStock": in_stock})
    return [n["slug"] for n in data["products"]["nodes"]]


async def _variant_ids(api: Api, slug: str) -> list[str]:
    data = await api.data("query($s: String!) { product(slug: $s) { variants { id } } }", {"s": slug})
    return [v["id"] for v in data["product"]["variants"]]


async def test_counting_stock_moves_a_product_between_the_in_stock_listings(api: Api, container: Container) -> None:
    await add_product(container.database, slug="tote", variants_=[VariantSpec(on_hand=1), VariantSpec(on_hand=0)])
    await add_product(container.database, slug="mug", variants_=[VariantSpec(on_hand=5)])
    first, second = await _variant_ids(api, "tote")
    assert await _slugs(api, in_stock=False) == []

    await api.data(STOCK, {"v": first, "q": 0}, staff=True)
    emptied = (await _slugs(api, in_stock=True), await _slugs(api, in_stock=False))
    await api.data(STOCK, {"v": second, "q": 3}, staff=True)
    restocked = (await _slugs(api, in_stock=True), await _slugs(api, in_stock=False))

    assert emptied == (["mug"], ["tote"])
    assert restocked == (["tote", "mug"], []) or restocked == (["mug", "tote"], [])


async def test_emptying_sibling_variants_at_once_leaves_the_product_out_of_stock(
    api: Api, container: Container
) -> None:
    """Two concurrent writes to one product's variants each recompute its availability; the last must see both."""
    await add_product(container.database, slug="tote", variants_=[VariantSpec(on_hand=1) for _ in range(4)])
    ids = await _variant_ids(api, "tote")

    for _ in range(3):
        await asyncio.gather(*(api.data(STOCK, {"v": v, "q": 0}, staff=True) for v in ids))
        assert await _slugs(api, in_stock=False) == ["tote"]
        await asyncio.gather(*(api.data(STOCK, {"v": v, "q": 1}, staff=True) for v in ids))
        assert await _slugs(api, in_stock=True) == ["tote"]


async def test_catalog_edits_report_their_refusals_as_user_errors(api: Api, container: Container) -> None:
    coats = await add_category(container.database, name="Coats", slug="coats")
    await add_category(container.database, name="Hats", slug="hats")
    await add_product(container.database, slug="coat", category_id=coats, variants_=[VariantSpec(sku="COAT-1")])
    await add_product(container.database, slug="hat", variants_=[VariantSpec(sku="HAT-1")])
    ids = await api.data('{ product(slug: "coat") { id category { id } variants { id } } }')
    product, category = ids["product"]["id"], ids["product"]["category"]["id"]
    variant = ids["product"]["variants"][0]["id"]
    unknown_category = "Q2F0ZWdvcnk6OTk5"  # Category:999

    moved = await api.data(
        "mutation($p: ID!, $c: ID!) { productUpdate(id: $p, input: {categoryId: $c}) "
        "{ product { slug } userErrors { field code } } }",
        {"p": product, "c": unknown_category},
        staff=True,
    )
    renamed = await api.data(
        'mutation($c: ID!) { categoryUpdate(id: $c, input: {slug: "hats"}) { category { slug } '
        "userErrors { field code } } }",
        {"c": category},
        staff=True,
    )
    bad_sku = await api.data(
        'mutation($v: ID!) { variantUpdate(id: $v, input: {sku: "no spaces"}) { variant { sku } '
        "userErrors { field message code } } }",
        {"v": variant},
        staff=True,
    )
    taken_sku = await api.data(
        'mutation($v: ID!) { variantUpdate(id: $v, input: {sku: "HAT-1"}) { userErrors { field code } } }',
        {"v": variant},
        staff=True,
    )
    as_shopper = await api.errors(
        'mutation($c: ID!) { categoryUpdate(id: $c, input: {name: "X"}) { userErrors { code } } }', {"c": category}
    )

    assert moved["productUpdate"] == {
        "product": None,
        "userErrors": [{"field": ["input", "categoryId"], "code": "CATEGORY_NOT_FOUND"}],
    }
    assert renamed["categoryUpdate"] == {
        "category": None,
        "userErrors": [{"field": ["input", "slug"], "code": "SLUG_TAKEN"}],
    }
    assert bad_sku["variantUpdate"] == {
        "variant": None,
        "userErrors": [
            {
                "field": ["input", "sku"],
                "message": "A SKU is 1 to 64 letters, digits, hyphens, underscores, dots or slashes.",
                "code": "INVALID_SKU",
            }
        ],
    }
    assert taken_sku["variantUpdate"]["userErrors"] == [{"field": ["input", "sku"], "code": "SKU_TAKEN"}]
    assert as_shopper[0]["extensions"]["code"] == "FORBIDDEN"


async def test_a_new_sku_is_searchable_at_once(api: Api, container: Container) -> None:
    await add_product(container.database, name="Coat", slug="coat", variants_=[VariantSpec(sku="COAT-1")])
    variant = (await _variant_ids(api, "coat"))[0]

    await api.data(
        'mutation($v: ID!) { variantUpdate(id: $v, input: {sku: "PARKA-77"}) { userErrors { code } } }',
        {"v": variant},
        staff=True,
    )
    found = await api.data(
        '{ a: products(search: "parka77") { totalCount } b: products(search: "coat 1") { totalCount } }'
    )

    assert (found["a"]["totalCount"], found["b"]["totalCount"]) == (1, 0)
