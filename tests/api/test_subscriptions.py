"""Live updates over real websockets, in both subscription protocols, and across processes through Redis.

Subscriptions over graphql-transport-ws run on shared feeds (`app/fanout.py`): the tests count executions through
the `vitrine_subscription_executions_total` metric, and feeds and subscribers through the hub.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any, cast

import httpx
import pytest
from starlette.applications import Starlette
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from app.asgi import create_app
from app.bootstrap import Container, build_container
from app.fanout import FanoutHub
from app.settings import Settings
from domain.inventory.events import StockLevelChanged
from tests.conftest import STAFF_TOKEN
from tests.factories import VariantSpec, add_product
from tests.support import live_server

SUBSCRIPTION = (
    "subscription($ids: [ID!]) { stockLevelChanged(variantIds: $ids) { variantId sku quantityAvailable isInStock } }"
)
STOCK = "mutation($v: ID!, $q: Int!) { stockUpdate(variantId: $v, quantity: $q) { userErrors { code } } }"


async def _receive(ws: ClientConnection) -> dict[str, Any]:
    async with asyncio.timeout(5):
        raw = await ws.recv()
    assert isinstance(raw, str), "graphql-ws clients accept text frames only"
    return dict(json.loads(raw))


async def _nothing_more(ws: ClientConnection) -> None:
    """Assert that no message arrives for a moment."""
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.3):
            await ws.recv()


@contextlib.asynccontextmanager
async def _connection(address: str, token: str | None = None) -> AsyncIterator[ClientConnection]:
    """Open an acknowledged graphql-transport-ws connection, as staff when given a token."""
    payload = {"Authorization": f"Bearer {token}"} if token else {}
    async with connect(f"ws://{address}/graphql", subprotocols=[Subprotocol("graphql-transport-ws")]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        assert await _receive(ws) == {"type": "connection_ack"}
        yield ws


async def _subscribe(ws: ClientConnection, operation_id: str, variables: dict[str, Any] | None = None) -> None:
    payload = {"query": SUBSCRIPTION, "variables": variables or {}}
    await ws.send(json.dumps({"id": operation_id, "type": "subscribe", "payload": payload}))


async def _wait_for_hub(hub: FanoutHub, *, subscribers: int, feeds: int) -> None:
    """Wait until the hub has registered the subscriptions (the protocol sends no acknowledgement)."""
    async with asyncio.timeout(5):
        while (hub.subscriber_count(), hub.feed_count()) != (subscribers, feeds):  # noqa: ASYNC110
            await asyncio.sleep(0.01)


def _executions(container: Container) -> float:
    return container.metrics.value("vitrine_subscription_executions_total")


def _quantity(message: dict[str, Any]) -> int:
    assert message["type"] == "next", message
    return int(message["payload"]["data"]["stockLevelChanged"]["quantityAvailable"])


async def _wait_for_subscribers(container: Container, count: int) -> None:
    """Wait until the server has registered the subscription (the protocol sends no acknowledgement)."""
    async with asyncio.timeout(5):
        while container.events.subscriber_count(StockLevelChanged) < count:  # noqa: ASYNC110
            await asyncio.sleep(0.01)


async def _set_stock(address: str, variant_id: str, quantity: int) -> None:
    async with httpx.AsyncClient(base_url=f"http://{address}") as client:
        response = await client.post(
            "/graphql",
            json={"query": STOCK, "variables": {"v": variant_id, "q": quantity}},
            headers={"Authorization": f"Bearer {STAFF_TOKEN}"},
        )
    assert response.json() == {"data": {"stockUpdate": {"userErrors": []}}}


async def _variant_ids(address: str) -> list[str]:
    async with httpx.AsyncClient(base_url=f"http://{address}") as client:
        response = await client.post("/graphql", json={"query": '{ product(slug: "tote") { variants { id } } }'})
    return [v["id"] for v in response.json()["data"]["product"]["variants"]]


@pytest.fixture
def app(container: Container) -> Starlette:
    return create_app(container=container)


@pytest.fixture
def hub(app: Starlette) -> FanoutHub:
    return cast(FanoutHub, app.state.fanout)


@pytest.fixture
async def server(app: Starlette, container: Container) -> AsyncIterator[str]:
    await add_product(container.database, slug="tote", variants_=[VariantSpec(sku="T-1"), VariantSpec(sku="T-2")])
    async with live_server(app) as address:
        yield address


async def test_a_subscriber_receives_a_committed_stock_change(server: str, container: Container) -> None:
    watched, other = await _variant_ids(server)
    async with connect(f"ws://{server}/graphql", subprotocols=[Subprotocol("graphql-transport-ws")]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert await _receive(ws) == {"type": "connection_ack"}
        await ws.send(
            json.dumps(
                {"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIPTION, "variables": {"ids": [watched]}}}
            )
        )
        await _wait_for_subscribers(container, 1)

        await _set_stock(server, other, 1)
        await _set_stock(server, watched, 0)

        message = await _receive(ws)
        assert message == {
            "id": "1",
            "type": "next",
            "payload": {
                "data": {
                    "stockLevelChanged": {
                        "variantId": watched,
                        "sku": "T-1",
                        "quantityAvailable": 0,
                        "isInStock": False,
                    }
                }
            },
        }
        await ws.send(json.dumps({"id": "1", "type": "complete"}))


async def test_the_legacy_graphql_ws_protocol_works_too(server: str, container: Container) -> None:
    (watched, _) = await _variant_ids(server)
    async with connect(f"ws://{server}/graphql", subprotocols=[Subprotocol("graphql-ws")]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert (await _receive(ws))["type"] == "connection_ack"
        await ws.send(json.dumps({"id": "7", "type": "start", "payload": {"query": SUBSCRIPTION}}))
        await _wait_for_subscribers(container, 1)

        await _set_stock(server, watched, 42)

        message = await _receive(ws)
        assert message["type"] == "data"
        assert message["payload"]["data"]["stockLevelChanged"]["quantityAvailable"] == 42


async def test_a_bad_token_in_connection_init_is_refused(server: str) -> None:
    async with connect(f"ws://{server}/graphql", subprotocols=[Subprotocol("graphql-transport-ws")]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": "Bearer wrong"}}))
        with pytest.raises(ConnectionClosed) as closed:
            await _receive(ws)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4403


async def test_a_websocket_without_a_known_subprotocol_is_closed_with_4406(server: str) -> None:
    async with connect(f"ws://{server}/graphql", subprotocols=[Subprotocol("chat")]) as ws:
        with pytest.raises(ConnectionClosed) as closed:
            await ws.recv()
    assert closed.value.rcvd is not None
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4406, "Subprotocol not acceptable")


@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        (b"{}", "WebSocket message type must be text"),
        ("not json", "WebSocket message must be valid JSON"),
    ],
)
async def test_a_binary_or_non_json_message_closes_the_connection_with_4400(
    server: str, frame: str | bytes, reason: str
) -> None:
    async with _connection(server) as ws:
        await ws.send(frame)
        with pytest.raises(ConnectionClosed) as closed:
            await _receive(ws)
    assert closed.value.rcvd is not None
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4400, reason)


@pytest.mark.parametrize("backend", ["production"])
async def test_a_write_on_one_process_reaches_a_subscriber_on_another(
    server: str, container: Container, settings: Settings
) -> None:
    other_process = build_container(settings)
    try:
        async with live_server(create_app(container=other_process)) as writer:
            (watched, _) = await _variant_ids(writer)
            async with connect(f"ws://{server}/graphql", subprotocols=[Subprotocol("graphql-transport-ws")]) as ws:
                await ws.send(json.dumps({"type": "connection_init"}))
                assert (await _receive(ws))["type"] == "connection_ack"
                await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIPTION}}))
                await _wait_for_subscribers(container, 1)

                await _set_stock(writer, watched, 3)

                message = await _receive(ws)
                assert message["payload"]["data"]["stockLevelChanged"]["quantityAvailable"] == 3
    finally:
        await other_process.aclose()


async def test_subscribers_of_one_subscription_share_one_execution_and_get_their_own_ids(
    server: str, container: Container, hub: FanoutHub
) -> None:
    (watched, _) = await _variant_ids(server)
    async with _connection(server) as first, _connection(server) as second:
        await _subscribe(first, "a", {"ids": [watched]})
        await _subscribe(second, "b", {"ids": [watched]})
        await _subscribe(second, "c", {"ids": [watched]})
        await _wait_for_hub(hub, subscribers=3, feeds=1)
        before = _executions(container)

        await _set_stock(server, watched, 5)
        await _set_stock(server, watched, 6)

        assert [(m["id"], _quantity(m)) for m in [await _receive(first), await _receive(first)]] == [("a", 5), ("a", 6)]
        received = [await _receive(second) for _ in range(4)]
        assert sorted((m["id"], _quantity(m)) for m in received) == [("b", 5), ("b", 6), ("c", 5), ("c", 6)]
        assert [_quantity(m) for m in received if m["id"] == "b"] == [5, 6]
        assert _executions(container) - before == 2  # once per event, not once per subscriber
        assert container.events.subscriber_count(StockLevelChanged) == 1


async def test_different_variables_are_different_subscriptions(
    server: str, container: Container, hub: FanoutHub
) -> None:
    (one, two) = await _variant_ids(server)
    async with _connection(server) as first, _connection(server) as second:
        await _subscribe(first, "1", {"ids": [one]})
        await _subscribe(second, "1", {"ids": [two]})
        await _wait_for_hub(hub, subscribers=2, feeds=2)

        await _set_stock(server, one, 7)
        await _set_stock(server, two, 8)

        assert (await _receive(first))["payload"]["data"]["stockLevelChanged"]["variantId"] == one
        assert (await _receive(second))["payload"]["data"]["stockLevelChanged"]["variantId"] == two
        await _nothing_more(first)
        await _nothing_more(second)


async def test_an_anonymous_and_a_staff_subscriber_do_not_share_a_feed(
    server: str, container: Container, hub: FanoutHub
) -> None:
    (watched, _) = await _variant_ids(server)
    async with _connection(server) as shopper, _connection(server, STAFF_TOKEN) as staff:
        await _subscribe(shopper, "1", {"ids": [watched]})
        await _subscribe(staff, "1", {"ids": [watched]})
        await _wait_for_hub(hub, subscribers=2, feeds=2)
        before = _executions(container)

        await _set_stock(server, watched, 9)

        assert _quantity(await _receive(shopper)) == 9
        assert _quantity(await _receive(staff)) == 9
        assert _executions(container) - before == 2


async def test_one_subscriber_completing_leaves_the_others_subscribed(
    server: str, container: Container, hub: FanoutHub
) -> None:
    (watched, _) = await _variant_ids(server)
    async with _connection(server) as leaving, _connection(server) as staying:
        await _subscribe(leaving, "1")
        await _subscribe(staying, "1")
        await _wait_for_hub(hub, subscribers=2, feeds=1)

        await leaving.send(json.dumps({"id": "1", "type": "complete"}))
        await _wait_for_hub(hub, subscribers=1, feeds=1)
        await _set_stock(server, watched, 10)

        assert _quantity(await _receive(staying)) == 10
        await _nothing_more(leaving)
        # The id is free again: subscribing with it anew works.
        await _subscribe(leaving, "1")
        await _wait_for_hub(hub, subscribers=2, feeds=1)
        await _set_stock(server, watched, 11)
        assert _quantity(await _receive(leaving)) == 11


async def test_disconnecting_stops_the_feed_and_its_broker_subscription(
    server: str, container: Container, hub: FanoutHub
) -> None:
    async with _connection(server) as first, _connection(server) as second:
        await _subscribe(first, "1")
        await _subscribe(second, "1")
        await _wait_for_hub(hub, subscribers=2, feeds=1)
        await _wait_for_subscribers(container, 1)
        await first.close()
        await _wait_for_hub(hub, subscribers=1, feeds=1)

    await _wait_for_hub(hub, subscribers=0, feeds=0)
    async with asyncio.timeout(5):
        while container.events.subscriber_count(StockLevelChanged):  # noqa: ASYNC110
            await asyncio.sleep(0.01)


async def test_a_subscription_that_fails_validation_gets_an_error_with_its_own_id(server: str, hub: FanoutHub) -> None:
    bad = "subscription { stockLevelChanged { noSuchField } }"
    async with _connection(server) as first, _connection(server) as second:
        for ws in (first, second):
            await ws.send(json.dumps({"id": "x", "type": "subscribe", "payload": {"query": bad}}))
            message = await _receive(ws)
            assert message["id"] == "x"
            assert message["type"] == "error"
            assert message["payload"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        assert (hub.subscriber_count(), hub.feed_count()) == (0, 0)


async def test_a_document_that_does_not_parse_gets_an_error_and_the_connection_stays_usable(
    server: str, hub: FanoutHub
) -> None:
    """graphql-transport-ws: an operation that cannot run gets an `error` message with its id (not a silent
    `complete`), and the connection carries on."""
    async with _connection(server) as ws:
        await ws.send(json.dumps({"id": "bad", "type": "subscribe", "payload": {"query": "subscription {"}}))
        message = await _receive(ws)
        assert message["id"] == "bad"
        assert message["type"] == "error"
        assert message["payload"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
        assert "Syntax Error" in message["payload"][0]["message"]
        await _subscribe(ws, "good")
        await _wait_for_hub(hub, subscribers=1, feeds=1)


async def test_a_query_over_the_websocket_takes_strawberrys_own_path(server: str, hub: FanoutHub) -> None:
    query = '{ product(slug: "tote") { variants { sku } } }'
    async with _connection(server) as ws:
        await ws.send(json.dumps({"id": "q", "type": "subscribe", "payload": {"query": query}}))
        assert await _receive(ws) == {
            "id": "q",
            "type": "next",
            "payload": {"data": {"product": {"variants": [{"sku": "T-1"}, {"sku": "T-2"}]}}},
        }
        assert await _receive(ws) == {"id": "q", "type": "complete"}
        assert hub.feed_count() == 0


async def test_an_invalid_id_arrives_as_errors_then_complete_for_each_subscriber(server: str, hub: FanoutHub) -> None:
    async with _connection(server) as first, _connection(server) as second:
        await _subscribe(first, "1", {"ids": ["not-an-id"]})
        await _subscribe(second, "2", {"ids": ["not-an-id"]})
        for ws, operation_id in ((first, "1"), (second, "2")):
            message = await _receive(ws)
            assert (message["id"], message["type"], message["payload"]["data"]) == (operation_id, "next", None)
            assert message["payload"]["errors"][0]["extensions"]["code"] == "INVALID_ID"
            assert await _receive(ws) == {"id": operation_id, "type": "complete"}
        await _wait_for_hub(hub, subscribers=0, feeds=0)


async def test_one_connections_queries_with_other_variables_get_their_own_answers(server: str) -> None:
    # What a field's selection asks for is worked out once per execution (here the variants' prices in a country,
    # loaded before the variants are returned): each query on the connection gets its own variables' prices.
    query = (
        'query($country: String) { product(slug: "tote") { variants { sku quantityAvailable '
        'pricing(channel: "us", country: $country) { price { net { amount } gross { amount } } } } } }'
    )
    async with httpx.AsyncClient(base_url=f"http://{server}") as client:
        expected = {
            country: (await client.post("/graphql", json={"query": query, "variables": {"country": country}})).json()
            for country in ("US", "DE")
        }
    assert expected["US"] != expected["DE"]

    async with _connection(server) as ws:
        for n, country in enumerate(("US", "DE", "US")):
            payload = {"query": query, "variables": {"country": country}}
            await ws.send(json.dumps({"id": f"q{n}", "type": "subscribe", "payload": payload}))
            assert await _receive(ws) == {"id": f"q{n}", "type": "next", "payload": expected[country]}
            assert await _receive(ws) == {"id": f"q{n}", "type": "complete"}
