"""Live updates over real websockets, in both subscription protocols, and across processes through Redis."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from app.asgi import create_app
from app.bootstrap import Container, build_container
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
        return dict(json.loads(await ws.recv()))


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
async def server(container: Container) -> AsyncIterator[str]:
    await add_product(container.database, slug="tote", variants_=[VariantSpec(sku="T-1"), VariantSpec(sku="T-2")])
    async with live_server(create_app(container=container)) as address:
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
