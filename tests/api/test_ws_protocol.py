"""`vitrine serve`'s websocket protocol (`app/ws_protocol.py`): uvicorn's, keeping less per open connection."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn
from starlette.types import Receive, Scope, Send
from websockets.asyncio.client import connect
from websockets.typing import Subprotocol

from app.ws_protocol import Flag, Inbox, LeanWebSocketProtocol

FLOOD = 16 * 1024 * 1024  # more than the socket buffers take (the client's is kept small): the server has to wait


async def _echo(scope: Scope, receive: Receive, send: Send) -> None:
    """Accept, then answer each text message with the request's `x-tag` header and the message; answer "flood"
    with `FLOOD` bytes of messages first."""
    assert scope["type"] == "websocket"
    assert await receive() == {"type": "websocket.connect"}
    await send({"type": "websocket.accept", "subprotocol": "echo"})
    tag = dict(scope["headers"])[b"x-tag"].decode()
    while (message := await receive())["type"] == "websocket.receive":
        if message["text"] == "flood":
            for index in range(FLOOD // 65536):
                await send({"type": "websocket.send", "text": f"{index:04}".ljust(65536, ".")})
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


async def test_a_client_that_reads_slowly_gets_every_message_in_order() -> None:
    async with _serving() as server:
        port = server.servers[0].sockets[0].getsockname()[1]
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)  # no autotuning up to 32 MiB
        sock.connect(("127.0.0.1", port))
        sock.setblocking(False)
        url = f"ws://127.0.0.1:{port}/"
        options: dict[str, Any] = {"additional_headers": {"X-Tag": "t2"}, "compression": None}
        async with connect(url, sock=sock, subprotocols=[Subprotocol("echo")], **options) as ws:
            ws.transport.pause_reading()
            await ws.send("flood")
            await asyncio.sleep(0.5)
            (protocol,) = server.server_state.connections
            assert isinstance(protocol, LeanWebSocketProtocol)
            assert not protocol.writable.is_set()
            ws.transport.resume_reading()
            received = [await ws.recv() for _ in range(FLOOD // 65536)]
            assert [str(text)[:4] for text in received] == [f"{index:04}" for index in range(FLOOD // 65536)]
            assert await ws.recv() == "t2:flood"
            assert protocol.writable.is_set()


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


async def test_the_flag_releases_its_waiters_when_set_and_lets_them_pass_while_set() -> None:
    flag = Flag()
    waiting = [asyncio.create_task(flag.wait()) for _ in range(2)]
    await asyncio.sleep(0)
    assert not any(task.done() for task in waiting)
    flag.set()
    assert await asyncio.gather(*waiting) == [True, True]
    assert flag.is_set()
    assert await flag.wait()
    flag.clear()
    cancelled = asyncio.create_task(flag.wait())
    await asyncio.sleep(0)
    cancelled.cancel()
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    flag.set()
    assert await flag.wait()
