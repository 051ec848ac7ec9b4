"""`vitrine serve`'s websocket protocol (`app/ws_protocol.py`): uvicorn's, keeping less per open connection."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import uvicorn
from starlette.types import Receive, Scope, Send
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from app.ws_protocol import Inbox, LeanWebSocketProtocol


async def _echo(scope: Scope, receive: Receive, send: Send) -> None:
    """Accept, then answer each text message with the request's `x-tag` header and the message."""
    assert scope["type"] == "websocket"
    assert await receive() == {"type": "websocket.connect"}
    await send({"type": "websocket.accept", "subprotocol": "echo"})
    tag = dict(scope["headers"])[b"x-tag"].decode()
    while (message := await receive())["type"] == "websocket.receive":
        await send({"type": "websocket.send", "text": f"{tag}:{message['text']}"})


@contextlib.asynccontextmanager
async def _serving() -> AsyncIterator[uvicorn.Server]:
    config = uvicorn.Config(_echo, host="127.0.0.1", port=0, lifespan="off", log_config=None, ws=LeanWebSocketProtocol)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(10):
            while not server.started:  # noqa: ASYNC110
                await asyncio.sleep(0.01)
        yield server
    finally:
        server.should_exit = True
        await task


async def test_an_open_connection_keeps_no_handshake_but_its_scope_has_the_headers() -> None:
    async with _serving() as server:
        port = server.servers[0].sockets[0].getsockname()[1]
        url = f"ws://127.0.0.1:{port}/"
        async with connect(url, subprotocols=[Subprotocol("echo")], additional_headers={"X-Tag": "t1"}) as ws:
            await ws.send("hello")
            assert await ws.recv() == "t1:hello"
            assert ws.subprotocol == "echo"
            (protocol,) = server.server_state.connections
            assert isinstance(protocol, LeanWebSocketProtocol)
            assert protocol.request is None
            assert protocol.response is None
            await ws.send("again")
            assert await ws.recv() == "t1:again"


async def test_the_inbox_hands_messages_out_in_order_and_wakes_a_waiting_getter() -> None:
    inbox = Inbox()
    inbox.put_nowait({"type": "websocket.connect"})
    assert not inbox.empty()
    assert await inbox.get() == {"type": "websocket.connect"}
    assert inbox.empty()
    waiting = asyncio.create_task(inbox.get())
    await asyncio.sleep(0)
    inbox.put_nowait({"type": "websocket.receive", "text": "1"})
    inbox.put_nowait({"type": "websocket.receive", "text": "2"})
    assert await waiting == {"type": "websocket.receive", "text": "1"}
    assert await inbox.get() == {"type": "websocket.receive", "text": "2"}


async def test_a_getter_cancelled_after_being_woken_leaves_the_message_to_the_next() -> None:
    inbox = Inbox()
    first = asyncio.create_task(inbox.get())
    second = asyncio.create_task(inbox.get())
    await asyncio.sleep(0)
    inbox.put_nowait({"type": "websocket.disconnect", "code": 1000})
    first.cancel()
    assert await second == {"type": "websocket.disconnect", "code": 1000}
    assert first.cancelled()
    assert inbox.empty()
