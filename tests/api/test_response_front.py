"""The response cache's front layer, over real HTTP: hits with the app's headers, misses, who never hits, one flight."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import orjson
import pytest
from sqlalchemy import text

from app.asgi import create_app
from app.bootstrap import Container, build_container
from app.settings import Settings
from tests.conftest import STAFF_TOKEN
from tests.factories import VariantSpec, add_product
from tests.support import StatementCounter, container_with, live_server

QUERY = '{ product(slug: "tote") { name variants { id quantityAvailable } } }'
BODY = orjson.dumps({"query": QUERY})
SHOP = "https://shop.example"
# Headers that differ between any two responses, cached or not.
PER_RESPONSE = {"date", "server", "x-cache", "x-request-id"}


@pytest.fixture
async def cached(settings: Settings) -> AsyncIterator[Container]:
    async with container_with(settings, empty=True, response_cache_seconds=60, allowed_origins=[SHOP]) as built:
        yield built


@pytest.fixture
async def http(cached: Container) -> AsyncIterator[httpx.AsyncClient]:
    async with (
        live_server(create_app(container=cached)) as address,
        httpx.AsyncClient(base_url=f"http://{address}") as client,
    ):
        yield client


async def _post(client: httpx.AsyncClient, body: bytes = BODY, /, **headers: str) -> httpx.Response:
    return await client.post("/graphql", content=body, headers={"Content-Type": "application/json", **headers})


def _stable(response: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k not in PER_RESPONSE}


async def test_a_hit_has_the_headers_of_a_computed_response(http: httpx.AsyncClient, cached: Container) -> None:
    await add_product(cached.database, slug="tote", name="Tote")
    computed = await _post(http, Origin=SHOP, **{"X-Request-ID": "first-1"})
    counter = StatementCounter(cached.metrics)

    hit = await _post(http, Origin=SHOP, **{"X-Request-ID": "second-2"})
    stranger = await _post(http, Origin="https://evil.example")
    no_origin = await _post(http)

    assert "x-cache" not in computed.headers
    assert hit.headers["x-cache"] == "hit"
    assert hit.content == computed.content
    assert _stable(hit) == _stable(computed)
    assert hit.headers["access-control-allow-origin"] == SHOP
    assert hit.headers["access-control-expose-headers"] == "X-Request-ID"
    assert hit.headers["vary"] == "Origin"
    assert hit.headers["content-type"] == "application/json"
    assert hit.headers["x-request-id"] == "second-2"
    assert "access-control-allow-origin" not in stranger.headers
    assert stranger.headers["x-cache"] == no_origin.headers["x-cache"] == "hit"
    assert len(no_origin.headers["x-request-id"]) == 32
    assert counter.count == 0
    assert cached.metrics.value("vitrine_response_cache_hits_total") == 3
    assert cached.metrics.value("vitrine_response_cache_misses_total") == 1


async def test_a_query_over_get_is_cached_too(http: httpx.AsyncClient, cached: Container) -> None:
    await add_product(cached.database, slug="tote", name="Tote")
    first = await http.get("/graphql", params={"query": QUERY})
    counter = StatementCounter(cached.metrics)

    second = await http.get("/graphql", params={"query": QUERY})

    assert "x-cache" not in first.headers
    assert second.headers["x-cache"] == "hit"
    assert second.content == first.content
    assert first.json()["data"]["product"]["name"] == "Tote"
    assert counter.count == 0


async def test_staff_requests_and_mutations_never_hit(http: httpx.AsyncClient, cached: Container) -> None:
    await add_product(cached.database, slug="tote", variants_=[VariantSpec(on_hand=3)])
    anonymous = await _post(http)
    await _post(http)  # cached now
    variant = anonymous.json()["data"]["product"]["variants"][0]["id"]
    mutation = orjson.dumps(
        {"query": f'mutation {{ stockUpdate(variantId: "{variant}", quantity: 5) {{ quantityAvailable }} }}'}
    )
    counter = StatementCounter(cached.metrics)

    staff = await _post(http, Authorization=f"Bearer {STAFF_TOKEN}")
    forbidden = [await _post(http, mutation) for _ in range(2)]
    staff_writes = [await _post(http, mutation, Authorization=f"Bearer {STAFF_TOKEN}") for _ in range(2)]

    assert "x-cache" not in staff.headers
    assert counter.count > 0
    assert all("x-cache" not in r.headers for r in [*forbidden, *staff_writes])
    assert [r.json()["errors"][0]["extensions"]["code"] for r in forbidden] == ["FORBIDDEN", "FORBIDDEN"]
    assert [r.json()["data"]["stockUpdate"]["quantityAvailable"] for r in staff_writes] == [5, 5]
    assert (await _post(http)).json()["data"]["product"]["variants"][0]["quantityAvailable"] == 5


@pytest.mark.parametrize("backend", ["production"])
async def test_a_second_process_never_serves_a_response_older_than_a_returned_write(
    cached: Container, settings: Settings
) -> None:
    await add_product(cached.database, slug="tote", variants_=[VariantSpec(on_hand=3)])
    other = build_container(settings.model_copy(update={"response_cache_seconds": 60}))
    try:
        async with (
            live_server(create_app(container=cached)) as writer_address,
            live_server(create_app(container=other)) as reader_address,
            httpx.AsyncClient(base_url=f"http://{writer_address}") as writer,
            httpx.AsyncClient(base_url=f"http://{reader_address}") as reader,
        ):
            before = await _post(reader)
            assert (await _post(reader)).headers["x-cache"] == "hit"
            variant = before.json()["data"]["product"]["variants"][0]["id"]
            seen = []
            for quantity in (7, 8, 9):
                mutation = f'mutation {{ stockUpdate(variantId: "{variant}", quantity: {quantity}) {{ __typename }} }}'
                await _post(writer, orjson.dumps({"query": mutation}), Authorization=f"Bearer {STAFF_TOKEN}")
                after = await _post(reader)
                seen.append(after.json()["data"]["product"]["variants"][0]["quantityAvailable"])
                assert (await _post(reader)).headers["x-cache"] == "hit"
    finally:
        await other.aclose()

    assert seen == [7, 8, 9]


@pytest.mark.parametrize("backend", ["production"])
async def test_identical_concurrent_misses_execute_once(http: httpx.AsyncClient, cached: Container) -> None:
    await add_product(cached.database, slug="tote", name="Tote")
    executions = "vitrine_graphql_requests_total"
    labels = {"operation": "anonymous", "outcome": "ok"}
    async with cached.database.engine.connect() as blocker:
        # Hold the first request inside its first read, until every other one has missed and is waiting for it.
        await blocker.execute(text("LOCK TABLE products IN ACCESS EXCLUSIVE MODE"))
        requests = [asyncio.create_task(_post(http)) for _ in range(8)]
        async with asyncio.timeout(10):
            # Nothing signals a miss but the counter: poll it.
            while cached.metrics.value("vitrine_response_cache_misses_total") < 8:  # noqa: ASYNC110
                await asyncio.sleep(0.01)
        await blocker.rollback()
    responses = await asyncio.gather(*requests)

    assert cached.metrics.value(executions, labels) == 1
    assert cached.metrics.value("vitrine_response_cache_shared_total") == 7
    assert sorted(r.headers.get("x-cache", "computed") for r in responses) == ["computed"] + ["shared"] * 7
    assert {r.content for r in responses} == {responses[0].content}
    assert orjson.loads(responses[0].content)["data"]["product"]["name"] == "Tote"
