"""`vitrine serve`'s websocket protocol (`app/ws_protocol.py`): uvicorn's, keeping less per open connection."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import uvicorn
from starlette.types import Receive, Scope, Send
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from app.ws_protocol import LeanWebSocketProtocol


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
