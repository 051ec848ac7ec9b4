"""HTTP behaviour over a real socket: bad requests, GET, GraphiQL, health, readiness, metrics."""

from __future__ import annotations

import base64
import gc
import hashlib
import re
from collections.abc import AsyncIterator

import httpx
import pytest
import structlog
import structlog.testing
from strawberry.http.ides import get_graphql_ide_html

from app.asgi import YOUNG_COLLECTION_THRESHOLD, create_app
from app.bootstrap import Container, build_container
from app.graphiql import ASSETS, cdn_addresses
from app.settings import Settings
from tests.support import live_server


@pytest.fixture
async def http(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    async with (
        live_server(create_app(container=container)) as address,
        httpx.AsyncClient(base_url=f"http://{address}") as client,
    ):
        yield client


def _assert_no_internals(text: str) -> None:
    for leak in ("Traceback", "sqlalchemy", 'File "', "strawberry", "SELECT "):
        assert leak not in text


async def test_invalid_json_is_a_400_with_a_graphql_error(http: httpx.AsyncClient) -> None:
    response = await http.post("/graphql", content=b"{not json", headers={"Content-Type": "application/json"})

    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "data": None,
        "errors": [{"message": "Unable to parse request body as JSON", "extensions": {"code": "BAD_REQUEST"}}],
    }


async def test_an_empty_body_is_a_400_with_a_graphql_error(http: httpx.AsyncClient) -> None:
    response = await http.post("/graphql", content=b"", headers={"Content-Type": "application/json"})

    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_a_body_without_a_query_is_a_400(http: httpx.AsyncClient) -> None:
    response = await http.post("/graphql", json={"variables": {}})

    assert response.status_code == 400
    assert response.json()["errors"][0] == {
        "message": "No GraphQL query found in the request",
        "extensions": {"code": "BAD_REQUEST"},
    }


async def test_an_unknown_field_is_a_validation_error(http: httpx.AsyncClient) -> None:
    response = await http.post("/graphql", json={"query": "{ products { nope } }"})

    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None
    assert (
        body["errors"][0]["message"] == "Cannot query field 'nope' on type 'ProductConnection'. Did you mean 'nodes'?"
    )
    assert body["errors"][0]["extensions"] == {"code": "GRAPHQL_VALIDATION_FAILED"}
    assert body["errors"][0]["locations"] == [{"line": 1, "column": 14}]


async def test_a_wrong_variable_type_is_bad_user_input(http: httpx.AsyncClient) -> None:
    query = "query($first: Int!) { products(first: $first) { totalCount } }"

    response = await http.post("/graphql", json={"query": query, "variables": {"first": "ten"}})

    assert response.status_code == 200
    assert response.json()["errors"] == [
        {
            "message": "Variable '$first' has invalid value: Int cannot represent non-integer value: 'ten'",
            "locations": [{"line": 1, "column": 7}],
            "extensions": {"code": "BAD_USER_INPUT"},
        }
    ]


async def test_a_syntax_error_is_a_parse_error(http: httpx.AsyncClient) -> None:
    response = await http.post("/graphql", json={"query": "{ products { "})

    assert response.status_code == 200
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    assert error["message"].startswith("Syntax Error")


async def test_bad_requests_never_show_internals(http: httpx.AsyncClient) -> None:
    bodies = [b"{not json", b"[]", b'{"query": 5}', b'{"query": "{ __typename }", "variables": "x"}', b"\xff\xfe"]
    for body in bodies:
        response = await http.post("/graphql", content=body, headers={"Content-Type": "application/json"})
        assert response.status_code in (200, 400), body
        assert response.json()["errors"][0]["extensions"]["code"] in ("BAD_REQUEST", "BAD_USER_INPUT")
        _assert_no_internals(response.text)


async def test_a_query_over_get_works_and_a_mutation_over_get_does_not(http: httpx.AsyncClient) -> None:
    query = await http.get("/graphql", params={"query": "{ products(first: 1) { totalCount } }"})
    mutation = await http.get(
        "/graphql", params={"query": 'mutation { stockUpdate(variantId: "x", quantity: 1) { userErrors { code } } }'}
    )

    assert query.status_code == 200
    assert query.json() == {"data": {"products": {"totalCount": 0}}}
    assert mutation.status_code == 400
    assert mutation.json()["errors"][0]["message"] == "mutations are not allowed when using GET"
    assert mutation.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_a_browser_gets_graphiql_with_every_asset_from_this_server(http: httpx.AsyncClient) -> None:
    """No CDN: the page works offline, and each file is the published one (the page's integrity hash matches)."""
    response = await http.get("/graphql", headers={"Accept": "text/html"})
    assets = re.findall(r'(?:src|href)="(/graphiql/assets/[^"]+)"\s+integrity="sha384-([^"]+)"', response.text)
    served = [(path, await http.get(path)) for path, _ in assets]

    assert response.status_code == 200
    assert "unpkg.com" not in response.text
    assert len(assets) == 7
    for (path, digest), (_, asset) in zip(assets, served, strict=True):
        assert asset.status_code == 200, path
        assert base64.b64encode(hashlib.sha384(asset.content).digest()).decode() == digest, path


async def test_strawberry_names_no_asset_that_is_not_vendored() -> None:
    """A Strawberry upgrade that changes GraphiQL's versions fails here: refresh app/static/graphiql then."""
    page = get_graphql_ide_html(graphql_ide="graphiql")

    missing = [path for path in cdn_addresses(page) if not (ASSETS / path).is_file()]

    assert cdn_addresses(page)
    assert missing == []


async def test_too_deep_a_query_is_refused(http: httpx.AsyncClient) -> None:
    nested = "parent { " * 15 + "name" + " }" * 15
    response = await http.post("/graphql", json={"query": f'{{ category(slug: "x") {{ {nested} }} }}'})

    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "exceeds maximum operation depth" in error["message"]


async def test_health_and_readiness(http: httpx.AsyncClient, container: Container) -> None:
    health = await http.get("/healthz")
    ready = await http.get("/readyz")

    assert health.json() == {"status": "ok"}
    expected = {"database": "ok", "redis": "ok"} if container.redis is not None else {"database": "ok"}
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "checks": expected}


async def test_metrics_count_operations_statements_and_cache_use(http: httpx.AsyncClient) -> None:
    await http.post("/graphql", json={"query": "query Shelf { products(first: 2) { totalCount } }"})

    metrics = (await http.get("/metrics")).text

    assert 'vitrine_graphql_requests_total{operation="Shelf",outcome="ok"} 1.0' in metrics
    assert 'vitrine_graphql_request_duration_seconds_count{operation="Shelf"} 1.0' in metrics
    for name in ("vitrine_db_statements_total", "vitrine_cache_hits_total", "vitrine_cache_misses_total"):
        assert f"\n{name} " in metrics


async def test_the_request_id_is_echoed_or_made(http: httpx.AsyncClient) -> None:
    given = await http.get("/healthz", headers={"X-Request-ID": "abc-123"})
    made = await http.get("/healthz")

    assert given.headers["x-request-id"] == "abc-123"
    assert len(made.headers["x-request-id"]) == 32


async def test_a_query_that_does_not_parse_is_counted_as_an_error(http: httpx.AsyncClient) -> None:
    await http.post("/graphql", json={"query": "query Broken { products {", "operationName": "Broken"})

    metrics = (await http.get("/metrics")).text

    assert 'vitrine_graphql_requests_total{operation="Broken",outcome="error"} 1.0' in metrics


async def test_a_storefront_origin_gets_cors_headers(settings: Settings) -> None:
    allowed = build_container(settings.model_copy(update={"allowed_origins": ["https://shop.example"]}))
    try:
        async with (
            live_server(create_app(container=allowed)) as address,
            httpx.AsyncClient(base_url=f"http://{address}") as client,
        ):
            preflight = await client.options(
                "/graphql",
                headers={
                    "Origin": "https://shop.example",
                    "Access-Control-Request-Method": "POST",
                    "Access-Control-Request-Headers": "content-type,authorization",
                },
            )
            stranger = await client.options(
                "/graphql", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
            )
    finally:
        await allowed.aclose()

    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://shop.example"
    assert stranger.status_code == 400


async def test_a_redis_outage_degrades_readiness_without_failing_it(settings: Settings) -> None:
    down = build_container(settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"}))
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(container=down)), base_url="http://t"
        ) as c:
            ready = await c.get("/readyz")
    finally:
        await down.aclose()

    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "checks": {"database": "ok", "redis": "degraded"}}


async def test_the_lifespan_freezes_the_startup_heap_and_unfreezes_it_at_shutdown(settings: Settings) -> None:
    app = create_app(container=build_container(settings))

    before = gc.get_threshold()
    async with app.router.lifespan_context(app):
        frozen = gc.get_freeze_count()
        running = gc.get_threshold()

    assert frozen > 10_000  # the modules, the schema and the container, never walked by a full collection again
    assert gc.get_freeze_count() == 0
    assert running == (YOUNG_COLLECTION_THRESHOLD, *before[1:])
    assert gc.get_threshold() == before


async def test_the_metrics_time_full_collections_while_the_app_runs(settings: Settings) -> None:
    container = build_container(settings)
    app = create_app(container=container)
    timed = "vitrine_gc_full_collection_duration_seconds_count"

    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client,
    ):
        before = container.metrics.value(timed)
        gc.collect()  # a full collection
        gc.collect(0)  # a young one: counted by `python_gc_*`, not timed
        metrics = (await client.get("/metrics")).text
        during = container.metrics.value(timed)
    gc.collect()

    assert during == before + 1
    assert container.metrics.value(timed) == during  # no longer timed once the app has stopped
    for name in (
        "process_resident_memory_bytes",
        "process_cpu_seconds_total",
        'python_gc_collections_total{generation="2"}',
    ):
        assert f"\n{name} " in metrics


async def test_each_request_is_logged_once_with_its_id_status_and_operation(http: httpx.AsyncClient) -> None:
    with structlog.testing.capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
        await http.post(
            "/graphql",
            json={"query": "query Shelf { categories(first: 1) { edges { node { name } } } }"},
            headers={"X-Request-ID": "shelf-1"},
        )
        await http.get("/healthz", headers={"X-Request-ID": "health-1"})

    (access,) = [entry for entry in logs if entry["event"] == "http.request"]
    assert access["request_id"] == "shelf-1"
    assert access["method"] == "POST"
    assert access["path"] == "/graphql"
    assert access["status"] == 200
    assert access["operation"] == "Shelf"
    assert access["duration_ms"] >= 0
