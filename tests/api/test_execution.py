"""The app's executor (app/execution.py) gives the storefront and the dashboard the same bytes as graphql-core's.

The demo catalogue is read through two apps on the same database, caches off: one as built, one whose schema runs
Strawberry's standard executor. tests/unit/test_execution.py covers odd values and errors on a schema of its own.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

import app.schema
from app.asgi import create_app
from app.bootstrap import Container
from app.settings import Settings
from bench import workloads
from data.demo import seed_catalog
from tests.conftest import STAFF_TOKEN
from tests.support import container_with

EVERYTHING_ABOUT_A_PRODUCT = """
query Everything($slug: String!) {
  product(slug: $slug) {
    __typename id name slug description isPublished publishedAt createdAt updatedAt
    seo { title description }
    category { id name slug ancestors { name } children(first: 5) { edges { node { name } } } }
    images { url alt }
    thumbnail { url alt }
    attributes { attribute { name slug } choices { name slug } number boolean text }
    isAvailable
    pricing(channel: "us") {
      onSale
      priceRange { start { gross { amount currency } net { amount } } stop { gross { amount currency } } }
      priceRangeUndiscounted { start { gross { amount } } }
    }
    variants {
      __typename id sku name quantityAvailable isInStock
      pricing(channel: "us") { price { gross { amount currency } tax { amount } } undiscounted { gross { amount } } }
    }
  }
}
"""

CATALOGUE = """
query Catalogue {
  categories(first: 10) { totalCount edges { cursor node { id name slug products(first: 3) { totalCount } } } }
  collections(first: 5) { edges { node { name slug products(first: 4) { edges { node { name slug } } } } } }
  products(first: 30, sortBy: {field: PRICE, direction: DESC}, filter: {channel: "us"}) {
    totalCount
    facets {
      categories { count category { name } }
      attributes { attribute { slug } values { choice { name } boolean count } }
    }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { name isAvailable thumbnail { url } category { name } } }
  }
}
"""

# One mistake per operation: a failing non-null root field nulls the whole response at once, and graphql-core lets
# its siblings finish in the background, which could still be reading the database when the test closes it.
MISSING = '{ missing: product(slug: "no-such-product") { name } }'
BAD_CURSOR = '{ badCursor: products(first: 2, after: "not-a-cursor") { edges { node { name } } } }'


@pytest.fixture
async def seeded(settings: Settings) -> AsyncIterator[Container]:
    async with container_with(settings, empty=True, cache_enabled=False, response_cache_seconds=0) as container:
        await seed_catalog(container.database, products=60, seed=11)
        yield container


async def _answers(container: Container, operations: list[tuple[str, dict[str, Any], bool]]) -> list[bytes]:
    web = create_app(container=container)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=web), base_url="http://t") as client:
        answers = []
        for query, variables, staff in operations:
            headers = {"Authorization": f"Bearer {STAFF_TOKEN}"} if staff else {}
            response = await client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
            assert response.status_code == 200, response.text
            answers.append(response.content)
        return answers


async def test_the_apps_executor_answers_byte_for_byte_as_graphql_cores(
    seeded: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = await _answers(seeded, [(workloads.STAFF_EXPORT, {"after": None}, True)])
    slugs = [edge["node"]["slug"] for edge in httpx.Response(200, content=first[0]).json()["data"]["products"]["edges"]]
    category = "clothing"
    operations = [
        *((EVERYTHING_ABOUT_A_PRODUCT, {"slug": slug}, False) for slug in slugs[:8]),
        *((workloads.PRODUCT_PAGE, {"slug": slug}, False) for slug in slugs[8:12]),
        (workloads.CATEGORY_LISTING, {"slug": category}, False),
        *((workloads.SEARCH, {"text": word}, False) for word in ("wool", "jaket", "linen")),
        (workloads.STAFF_EXPORT, {"after": None}, True),
        (CATALOGUE, {}, False),
        (MISSING, {}, False),
        (BAD_CURSOR, {}, False),
    ]

    lean = await _answers(seeded, operations)
    monkeypatch.setattr(app.schema, "LeanExecutor", StrawberryGraphQLCoreExecutionContext)
    standard = await _answers(seeded, operations)

    assert lean == standard
    bodies = [httpx.Response(200, content=body).json() for body in lean]
    assert all(body["data"]["product"]["variants"] for body in bodies[:8])  # the comparison saw real pages
    assert bodies[12]["data"]["category"]["products"]["edges"]
    assert bodies[-2] == {"data": {"missing": None}}
    assert bodies[-1]["errors"][0]["extensions"]["code"] == "INVALID_CURSOR"


# Packages whose objects a request creates on the server; the test client's own (httpx) are left out.
SERVER_PACKAGES = ("app.", "data.", "domain.", "schema.", "resolvers.", "graphql.", "strawberry.", "aiodataloader")


async def test_what_a_request_read_is_freed_when_it_ends_not_left_to_the_garbage_collector(seeded: Container) -> None:
    # A reference cycle anywhere in a request's objects (the executor, the context, a loader) keeps everything the
    # request read alive until a collection walks it: with the startup heap frozen that was the collector's work,
    # ≈ 1,000 objects a listing, and, with thousands of websockets open, a pause of ≈ 250 ms every second.
    first = await _answers(seeded, [(workloads.STAFF_EXPORT, {"after": None}, True)])
    slug = httpx.Response(200, content=first[0]).json()["data"]["products"]["edges"][0]["node"]["slug"]
    page = httpx.Response(
        200, content=(await _answers(seeded, [(EVERYTHING_ABOUT_A_PRODUCT, {"slug": slug}, False)]))[0]
    )
    variant = page.json()["data"]["product"]["variants"][0]["id"]
    operations = [
        (EVERYTHING_ABOUT_A_PRODUCT, {"slug": slug}, False),
        (workloads.STOCK_UPDATE, {"variantId": variant, "quantity": 7}, True),
        (workloads.CATEGORY_LISTING, {"slug": "clothing"}, False),
        (workloads.SEARCH, {"text": "wool"}, False),
        (workloads.STAFF_EXPORT, {"after": None}, True),
        (CATALOGUE, {}, False),
    ]
    web = create_app(container=seeded)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=web), base_url="http://t") as client:

        async def send() -> list[bytes]:
            answers = []
            for query, variables, staff in operations:
                headers = {"Authorization": f"Bearer {STAFF_TOKEN}"} if staff else {}
                answer = await client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
                answers.append(answer.content)
            return answers

        await send()  # statements prepared, small tables read, caches of shapes filled
        gc.collect()
        gc.disable()
        gc.set_debug(gc.DEBUG_SAVEALL)
        try:
            answers = await send()
            gc.collect()
            garbage = [type(o) for o in gc.garbage]
        finally:
            gc.set_debug(0)
            gc.garbage.clear()
            gc.enable()

    assert all(b'"errors"' not in answer for answer in answers)
    left = sorted({f"{t.__module__}.{t.__qualname__}" for t in garbage if t.__module__.startswith(SERVER_PACKAGES)})
    assert left == []
    assert not any(t is asyncio.Future for t in garbage)  # the loaders' futures, which hold the rows
