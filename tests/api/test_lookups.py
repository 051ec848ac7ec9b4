"""Single-object reads: by slug, by ID, and through `node`."""

from __future__ import annotations

from decimal import Decimal

from app.bootstrap import Container
from tests.factories import VariantSpec, add_category, add_product
from tests.support import Api


async def test_a_product_by_slug_has_its_category_images_variants_and_prices(api: Api, container: Container) -> None:
    db = container.database
    jackets = await add_category(db, name="Jackets", slug="jackets")
    await add_product(
        db,
        name="Rain Jacket",
        slug="rain-jacket",
        category_id=jackets,
        variants_=[
            VariantSpec(sku="RJ-S", price=Decimal("89.50"), on_hand=0),
            VariantSpec(sku="RJ-M", price=Decimal("99.99"), on_hand=3),
        ],
        image_urls=["https://img.test/rj-1.jpg", "https://img.test/rj-2.jpg"],
    )

    data = await api.data(
        """{ product(slug: "rain-jacket") {
            name category { name slug }
            thumbnail { url } images { url alt }
            priceRange { start { amount currency } stop { amount currency } }
            isAvailable
            variants { sku price { amount currency } quantityAvailable isInStock }
        } }"""
    )

    assert data["product"] == {
        "name": "Rain Jacket",
        "category": {"name": "Jackets", "slug": "jackets"},
        "thumbnail": {"url": "https://img.test/rj-1.jpg"},
        "images": [
            {"url": "https://img.test/rj-1.jpg", "alt": "Rain Jacket"},
            {"url": "https://img.test/rj-2.jpg", "alt": "Rain Jacket"},
        ],
        "priceRange": {"start": {"amount": "89.50", "currency": "USD"}, "stop": {"amount": "99.99", "currency": "USD"}},
        "isAvailable": True,
        "variants": [
            {
                "sku": "RJ-S",
                "price": {"amount": "89.50", "currency": "USD"},
                "quantityAvailable": 0,
                "isInStock": False,
            },
            {"sku": "RJ-M", "price": {"amount": "99.99", "currency": "USD"}, "quantityAvailable": 3, "isInStock": True},
        ],
    }


async def test_an_unknown_slug_is_null_not_an_error(api: Api) -> None:
    assert await api.data('{ product(slug: "nope") { name } }') == {"product": None}


async def test_every_node_can_be_refetched_by_its_global_id(api: Api, container: Container) -> None:
    category = await add_category(container.database, name="Hats", slug="hats")
    await add_product(container.database, name="Beanie", slug="beanie", category_id=category)
    ids = await api.data('{ product(slug: "beanie") { id category { id } variants { id } } }')
    product_id = ids["product"]["id"]
    category_id = ids["product"]["category"]["id"]
    variant_id = ids["product"]["variants"][0]["id"]

    data = await api.data(
        """query($ids: [ID!]!) { nodes(ids: $ids) {
            __typename id
            ... on Product { name }
            ... on Category { name }
            ... on ProductVariant { product { name } }
        } }""",
        {"ids": [product_id, category_id, variant_id]},
    )

    assert data["nodes"] == [
        {"__typename": "Product", "id": product_id, "name": "Beanie"},
        {"__typename": "Category", "id": category_id, "name": "Hats"},
        {"__typename": "ProductVariant", "id": variant_id, "product": {"name": "Beanie"}},
    ]


async def test_an_unpublished_product_is_not_a_node_for_shoppers(api: Api, container: Container) -> None:
    await add_product(container.database, name="Draft", slug="draft", published=False)
    product_id = (await api.data('{ product(slug: "draft") { id } }', staff=True))["product"]["id"]

    data = await api.data("query($id: ID!) { node(id: $id) { id } }", {"id": product_id})

    assert data == {"node": None}


async def test_a_malformed_id_gets_a_stable_code(api: Api) -> None:
    errors = await api.errors('{ node(id: "%%%") { id } }')

    assert errors[0]["extensions"]["code"] == "INVALID_ID"
    assert errors[0]["path"] == ["node"]


async def test_an_id_of_the_wrong_type_gets_a_stable_code(api: Api, container: Container) -> None:
    await add_category(container.database, name="Hats", slug="hats")
    category_id = (await api.data('{ category(slug: "hats") { id } }'))["category"]["id"]

    errors = await api.errors("query($id: ID!) { product(id: $id) { name } }", {"id": category_id})

    assert errors[0]["extensions"]["code"] == "INVALID_ID"


async def test_categories_form_a_tree(api: Api, container: Container) -> None:
    db = container.database
    top = await add_category(db, name="Home", slug="home", position=1)
    kitchen = await add_category(db, name="Kitchen", slug="kitchen", parent_id=top)
    await add_category(db, name="Knives", slug="knives", parent_id=kitchen)
    await add_category(db, name="Apparel", slug="apparel", position=0)

    data = await api.data(
        """{ categories(first: 10) { totalCount nodes { slug children(first: 10) { nodes { slug } } } }
             category(slug: "knives") { parent { slug } ancestors { slug } } }"""
    )

    assert data["categories"] == {
        "totalCount": 2,
        "nodes": [
            {"slug": "apparel", "children": {"nodes": []}},
            {"slug": "home", "children": {"nodes": [{"slug": "kitchen"}]}},
        ],
    }
    assert data["category"] == {"parent": {"slug": "kitchen"}, "ancestors": [{"slug": "home"}, {"slug": "kitchen"}]}
