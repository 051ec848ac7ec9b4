"""Prepared operations (`app/prepared.py`): a text seen once is answered again without Strawberry's view and
extensions, exactly as Strawberry answered it; anything out of the ordinary still takes Strawberry's path."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest
from starlette.applications import Starlette

from app.asgi import create_app
from app.bootstrap import Container
from app.prepared import PlainRequest, PreparedOperation, PreparedOperations
from tests.conftest import STAFF_TOKEN
from tests.factories import VariantSpec, add_product

PRODUCT = "query Product($slug: String!) { product(slug: $slug) { name variants { sku quantityAvailable } } }"
STOCK = (
    "mutation Count($v: ID!, $q: Int!) { stockUpdate(variantId: $v, quantity: $q) "
    "{ quantityOnHand userErrors { field message code } } }"
)
STAFF = {"Authorization": f"Bearer {STAFF_TOKEN}"}


class Lanes:
    """The app, and which requests its prepared operations answered."""

    def __init__(self, app: Starlette, client: httpx.AsyncClient) -> None:
        self.client = client
        prepared: PreparedOperations = app.state.prepared
        self.prepared = prepared
        self.answered: list[PreparedOperation] = []
        find = prepared.find

        def spying(request: PlainRequest) -> PreparedOperation | None:
            found = find(request)
            if found is not None:
                self.answered.append(found)
            return found

        prepared.find = spying  # type: ignore[method-assign]

    async def post(self, body: object, headers: dict[str, str] | None = None) -> httpx.Response:
        return await self.client.post(
            "/graphql", content=orjson.dumps(body), headers={"Content-Type": "application/json", **(headers or {})}
        )

    async def twice(self, body: dict[str, Any], headers: dict[str, str] | None = None) -> tuple[Any, Any]:
        """Send `body` twice: the first answer is Strawberry's, the second the prepared path's (asserted)."""
        before = len(self.answered)
        first = await self.post(body, headers)
        assert len(self.answered) == before  # a new text: Strawberry's path
        second = await self.post(body, headers)
        assert len(self.answered) == before + 1, "the second request was not answered as a prepared operation"
        assert second.status_code == first.status_code
        assert second.headers["content-type"] == first.headers["content-type"]
        return first.json(), second.json()


@pytest.fixture
async def lanes(container: Container) -> AsyncIterator[Lanes]:
    app = create_app(container=container)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://vitrine.test") as client:
        yield Lanes(app, client)


async def _variant_id(lanes: Lanes, slug: str) -> str:
    body = (await lanes.post({"query": f'{{ product(slug: "{slug}") {{ variants {{ id }} }} }}'})).json()
    return str(body["data"]["product"]["variants"][0]["id"])


async def test_a_query_is_answered_the_same_both_ways(lanes: Lanes, container: Container) -> None:
    await add_product(container.database, name="Tote", slug="tote", variants_=[VariantSpec(sku="T-1", on_hand=4)])

    first, second = await lanes.twice({"query": PRODUCT, "variables": {"slug": "tote"}})

    tote = {"name": "Tote", "variants": [{"sku": "T-1", "quantityAvailable": 4}]}
    assert first == second == {"data": {"product": tote}}
    # Other variables of the same text are prepared too.
    other = (await lanes.post({"query": PRODUCT, "variables": {"slug": "none"}, "operationName": "Product"})).json()
    assert other == {"data": {"product": None}}
    assert [found.name for found in lanes.answered] == ["Product", "Product"]


@pytest.mark.parametrize(
    ("variables", "code"),
    [
        ({"slug": 12}, "BAD_USER_INPUT"),  # a variable of the wrong type
        ({}, "BAD_USER_INPUT"),  # a required variable missing
    ],
)
async def test_variable_errors_are_the_same_both_ways(lanes: Lanes, variables: dict[str, Any], code: str) -> None:
    await lanes.post({"query": PRODUCT, "variables": {"slug": "x"}})  # prepares the text
    first = (await lanes.post({"query": PRODUCT + " ", "variables": variables})).json()  # another text: Strawberry

    second = (await lanes.post({"query": PRODUCT, "variables": variables})).json()

    assert len(lanes.answered) == 1
    assert second == first
    assert second["data"] is None
    assert [error["extensions"]["code"] for error in second["errors"]] == [code]


async def test_a_field_error_is_coded_and_masked_the_same_both_ways(lanes: Lanes) -> None:
    body = {"query": "query($id: ID!) { node(id: $id) { id } }", "variables": {"id": "bm90IGFuIGlk"}}

    first, second = await lanes.twice(body)

    assert first == second
    assert [error["extensions"]["code"] for error in second["errors"]] == ["INVALID_ID"]


async def test_a_mutation_is_answered_the_same_both_ways(lanes: Lanes, container: Container) -> None:
    await add_product(container.database, slug="tote", variants_=[VariantSpec(on_hand=2)])
    variant = await _variant_id(lanes, "tote")

    first, second = await lanes.twice({"query": STOCK, "variables": {"v": variant, "q": -1}}, STAFF)
    written = (await lanes.post({"query": STOCK, "variables": {"v": variant, "q": 9}}, STAFF)).json()

    assert first == second
    assert second["data"]["stockUpdate"]["userErrors"][0]["code"] == "INVALID_QUANTITY"
    assert written == {"data": {"stockUpdate": {"quantityOnHand": 9, "userErrors": []}}}


async def test_the_caller_is_checked_on_the_prepared_path(lanes: Lanes, container: Container) -> None:
    await add_product(container.database, slug="tote", variants_=[VariantSpec(on_hand=2)])
    variant = await _variant_id(lanes, "tote")
    body = {"query": STOCK, "variables": {"v": variant, "q": 5}}

    anonymous_first, anonymous_second = await lanes.twice(body)
    refused = await lanes.post(body, {"Authorization": "Bearer wrong"})

    assert anonymous_first == anonymous_second
    assert [error["extensions"]["code"] for error in anonymous_second["errors"]] == ["FORBIDDEN"]
    assert refused.status_code == 401
    assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_a_text_that_fails_validation_is_never_prepared(lanes: Lanes) -> None:
    body = {"query": "{ product(slug: 1) { nope } }"}

    answers = [(await lanes.post(body)).json() for _ in range(3)]

    assert lanes.answered == []
    assert len(lanes.prepared) == 0
    assert answers[0] == answers[1] == answers[2]
    assert {error["extensions"]["code"] for error in answers[0]["errors"]} == {"GRAPHQL_VALIDATION_FAILED"}


async def test_unusual_requests_of_a_prepared_text_take_strawberrys_path(lanes: Lanes) -> None:
    query = "query A { categories(first: 1) { edges { node { name } } } } query B { channels { slug } }"
    await lanes.post({"query": query, "operationName": "A"})  # prepares the text
    assert len(lanes.prepared) == 1

    unnamed = await lanes.post({"query": query})  # two operations and no name: Strawberry runs the first
    unknown = await lanes.post({"query": query, "operationName": "C"})
    batch = await lanes.post([{"query": query, "operationName": "A"}])
    persisted = await lanes.post({"query": query, "operationName": "A", "extensions": {"persistedQuery": {}}})
    got = await lanes.client.get("/graphql", params={"query": query, "operationName": "B"})

    assert lanes.answered == []
    assert unnamed.status_code == 200
    assert unnamed.json() == {"data": {"categories": {"edges": []}}}
    assert unknown.status_code == 400
    assert batch.status_code == 400  # batching is off
    assert persisted.status_code == 200
    assert got.status_code == 200
    assert got.json() == {"data": {"channels": []}}


async def test_a_subscription_over_http_is_left_to_strawberry(lanes: Lanes) -> None:
    body = {"query": "subscription { stockLevelChanged { variantId } }"}

    answers = [await lanes.post(body) for _ in range(2)]

    assert lanes.answered == []
    assert answers[0].status_code == answers[1].status_code
    assert answers[0].json() == answers[1].json()


async def test_the_prepared_path_counts_operations_as_the_extension_does(lanes: Lanes, container: Container) -> None:
    registry = container.metrics.registry

    def count(outcome: str) -> float:
        labels = {"operation": "Product", "outcome": outcome}
        value = registry.get_sample_value("vitrine_graphql_requests_total", labels)
        return value or 0.0

    await lanes.twice({"query": PRODUCT, "variables": {"slug": "tote"}})
    await lanes.post({"query": PRODUCT, "variables": {}})

    assert count("ok") == 2
    assert count("error") == 1
