"""Product listings over GraphQL: pagination, filters, visibility, and the statements they cost."""

from __future__ import annotations

from typing import Any

import httpx

from app.asgi import create_app
from app.bootstrap import Container, build_container
from app.settings import Settings
from data.demo import seed_catalog
from tests.factories import VariantSpec, add_category, add_product
from tests.support import Api, StatementCounter, reset_database

LISTING = """
query Listing($first: Int!, $after: String) {
  products(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage endCursor }
    edges {
      cursor
      node {
        id name slug
        category { name }
        variants { sku quantityAvailable isInStock }
      }
    }
  }
}
"""


async def _listing_statements(container: Container, first: int) -> tuple[int, list[Any]]:
    app = create_app(container=container)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        counter = StatementCounter(container.metrics)
        response = await client.post("/graphql", json={"query": LISTING, "variables": {"first": first}})
        body = response.json()
        assert "errors" not in body, body
        return counter.count, body["data"]["products"]["edges"]


async def test_listing_10_or_100_products_costs_the_same_few_statements(settings: Settings) -> None:
    cold = build_container(settings.model_copy(update={"cache_enabled": False}))
    try:
        await reset_database(cold.database)
        await seed_catalog(cold.database, products=150, seed=7)

        small, small_edges = await _listing_statements(cold, 10)
        large, large_edges = await _listing_statements(cold, 100)
    finally:
        await cold.aclose()

    assert len(small_edges) == 10
    assert len(large_edges) == 100
    assert all(edge["node"]["variants"] and edge["node"]["category"] for edge in large_edges)
    assert small == large
    assert small == 3  # the page with its total, the small tables (categories), variants with stock


async def test_a_hot_listing_reads_only_the_page_from_the_database(api: Api, container: Container) -> None:
    await seed_catalog(container.database, products=30, seed=3)
    await api.data(LISTING, {"first": 24})
    counter = StatementCounter(container.metrics)

    await api.data(LISTING, {"first": 24})

    assert counter.count == 1


async def test_walking_every_page_returns_each_product_exactly_once(api: Api, container: Container) -> None:
    ids = [await add_product(container.database, name=f"Product {n}") for n in range(23)]
    seen: list[str] = []
    after = None
    pages = 0

    while True:
        page = (await api.data(LISTING, {"first": 5, "after": after}))["products"]
        assert page["totalCount"] == 23
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        seen.extend(edge["node"]["name"] for edge in page["edges"])
        pages += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    assert pages == 5
    assert seen == [f"Product {n}" for n in range(23)]
    assert len(ids) == 23


async def test_each_edges_cursor_resumes_right_after_its_item(api: Api, container: Container) -> None:
    for n in range(6):
        await add_product(container.database, name=f"Product {n}")
    page = (await api.data(LISTING, {"first": 4}))["products"]
    edges = page["edges"]

    assert page["pageInfo"]["endCursor"] == edges[-1]["cursor"]
    assert len({edge["cursor"] for edge in edges}) == 4
    for index, edge in enumerate(edges):
        after = (await api.data(LISTING, {"first": 2, "after": edge["cursor"]}))["products"]
        assert [e["node"]["name"] for e in after["edges"]] == [f"Product {n}" for n in range(index + 1, index + 3)]


async def test_a_page_past_the_end_is_empty_but_keeps_the_total(api: Api, container: Container) -> None:
    await add_product(container.database, name="Only")
    first = (await api.data(LISTING, {"first": 1}))["products"]

    after_last = (await api.data(LISTING, {"first": 1, "after": first["pageInfo"]["endCursor"]}))["products"]

    assert after_last["edges"] == []
    assert after_last["totalCount"] == 1
    assert after_last["pageInfo"] == {"hasNextPage": False, "hasPreviousPage": True, "endCursor": None}


async def test_a_malformed_cursor_gets_a_stable_code(api: Api) -> None:
    errors = await api.errors(LISTING, {"first": 5, "after": "not a cursor!"})

    assert errors[0]["extensions"]["code"] == "INVALID_CURSOR"
    assert errors[0]["message"] == "The cursor is malformed."


async def test_a_cursor_from_another_listing_is_refused(api: Api, container: Container) -> None:
    parent = await add_category(container.database, name="Top", slug="top")
    await add_category(container.database, name="A", slug="a", parent_id=None)
    del parent
    categories = await api.data("{ categories(first: 1) { pageInfo { endCursor } } }")
    foreign = categories["categories"]["pageInfo"]["endCursor"]

    errors = await api.errors(LISTING, {"first": 5, "after": foreign})

    assert errors[0]["extensions"]["code"] == "INVALID_CURSOR"
    assert errors[0]["message"] == "The cursor belongs to another listing."


async def test_a_page_size_above_the_limit_is_refused(api: Api) -> None:
    errors = await api.errors(LISTING, {"first": 101})

    assert errors[0]["extensions"]["code"] == "INVALID_PAGE_SIZE"


async def test_a_category_filter_includes_its_subcategories(api: Api, container: Container) -> None:
    db = container.database
    shoes = await add_category(db, name="Shoes", slug="shoes")
    boots = await add_category(db, name="Boots", slug="boots", parent_id=shoes)
    hats = await add_category(db, name="Hats", slug="hats")
    await add_product(db, name="Trainer", category_id=shoes)
    await add_product(db, name="Chelsea boot", category_id=boots)
    await add_product(db, name="Beanie", category_id=hats)
    shoes_id = (await api.data('{ category(slug: "shoes") { id } }'))["category"]["id"]

    found = await api.data(
        "query($c: ID!) { products(first: 10, filter: {categoryId: $c}) { totalCount nodes { name } } }",
        {"c": shoes_id},
    )

    assert found["products"]["totalCount"] == 2
    assert [n["name"] for n in found["products"]["nodes"]] == ["Trainer", "Chelsea boot"]


async def test_shoppers_never_see_unpublished_products_but_staff_do(api: Api, container: Container) -> None:
    await add_product(container.database, name="Live", slug="live")
    await add_product(container.database, name="Draft", slug="draft", published=False)
    query = '{ products(first: 10) { totalCount nodes { name } } draft: product(slug: "draft") { name } }'

    shopper = await api.data(query)
    staff = await api.data(query, staff=True)

    assert shopper == {"products": {"totalCount": 1, "nodes": [{"name": "Live"}]}, "draft": None}
    assert staff["products"]["totalCount"] == 2
    assert staff["draft"] == {"name": "Draft"}


SORTED = """
query($sort: ProductSortInput, $after: String, $inStock: Boolean) {
  products(first: 2, after: $after, sortBy: $sort, filter: {inStock: $inStock}) {
    nodes { name } pageInfo { endCursor }
  }
}
"""


async def test_products_sort_by_name_either_way_and_filter_by_stock(api: Api, container: Container) -> None:
    db = container.database
    await add_product(db, name="banana", variants_=[VariantSpec(on_hand=0)])
    await add_product(db, name="Apple")
    await add_product(db, name="cherry")

    up = await api.data(SORTED, {"sort": {"field": "NAME"}})
    down = await api.data(SORTED, {"sort": {"field": "NAME", "direction": "DESC"}})
    rest = await api.data(SORTED, {"sort": {"field": "NAME"}, "after": up["products"]["pageInfo"]["endCursor"]})
    stocked = await api.data(SORTED, {"sort": {"field": "NAME"}, "inStock": True})

    assert [n["name"] for n in up["products"]["nodes"]] == ["Apple", "banana"]
    assert [n["name"] for n in rest["products"]["nodes"]] == ["cherry"]
    assert [n["name"] for n in down["products"]["nodes"]] == ["cherry", "banana"]
    assert [n["name"] for n in stocked["products"]["nodes"]] == ["Apple", "cherry"]


async def test_a_cursor_of_another_sort_order_is_refused(api: Api, container: Container) -> None:
    await add_product(container.database, name="Apple")
    by_name = await api.data(SORTED, {"sort": {"field": "NAME"}})

    errors = await api.errors(
        SORTED, {"sort": {"field": "NAME", "direction": "DESC"}, "after": by_name["products"]["pageInfo"]["endCursor"]}
    )

    assert errors[0]["extensions"]["code"] == "INVALID_CURSOR"


async def test_the_total_is_counted_only_when_the_query_asks_for_it(api: Api, container: Container) -> None:
    await add_product(container.database, name="Only")
    statements: list[str] = []

    with container.database.observed(lambda statement: statements.append(statement.lower())):
        await api.data("{ products(first: 5) { nodes { name } } }")
        without = [s for s in statements if "from products" in s]
        statements.clear()
        await api.data("{ products(first: 5) { ... on ProductConnection { totalCount } nodes { name } } }")
        with_total = [s for s in statements if "from products" in s]

    assert not any("count(" in s for s in without)
    assert any("count(" in s for s in with_total)
