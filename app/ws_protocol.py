"""Uvicorn's websocket protocol (websockets' sans-I/O implementation), keeping less per idle connection.

`vitrine serve` runs uvicorn with this class as its websocket implementation (`app/cli.py`). It behaves as
uvicorn's own; what changes is what an open connection keeps once its handshake is done (docs/performance.md,
W5 memory).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from uvicorn._types import ASGIReceiveEvent
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.http11 import Request


class Inbox:
    """The part of `asyncio.Queue` uvicorn uses for a connection's received messages, in two lists.

    An `asyncio.Queue` is three deques and an `asyncio.Event` with a fourth, ~3.2 KB while empty (an empty deque
    keeps a block of 64 slots). Uvicorn stops reading a connection while a message waits in it, so it holds one or
    two; a list does. `get` behaves as `asyncio.Queue.get`, cancellation included.
    """

    __slots__ = ("_getters", "_items")

    def __init__(self) -> None:
        self._items: list[ASGIReceiveEvent] = []
        self._getters: list[asyncio.Future[None]] = []

    def empty(self) -> bool:
        return not self._items

    def put_nowait(self, item: ASGIReceiveEvent) -> None:
        self._items.append(item)
        self._wake_next()

    async def get(self) -> ASGIReceiveEvent:
        while not self._items:
            getter = asyncio.get_running_loop().create_future()
            self._getters.append(getter)
            try:
                await getter
            except BaseException:
                getter.cancel()
                with contextlib.suppress(ValueError):  # `_wake_next` took it already
                    self._getters.remove(getter)
                if self._items and not getter.cancelled():
                    self._wake_next()  # woken, but cannot take the message: the next getter shall
                raise
        return self._items.pop(0)

    def _wake_next(self) -> None:
        while self._getters:
            getter = self._getters.pop(0)
            if not getter.done():
                getter.set_result(None)
                return


class Flag:
    """The part of `asyncio.Event` uvicorn uses for `writable`, with its waiters in a list made when one waits.

    An `asyncio.Event` keeps an empty deque (~0.8 KB); `writable` is waited for only while the socket's buffer is
    full.
    """

    __slots__ = ("_value", "_waiters")

    def __init__(self) -> None:
        self._value = False
        self._waiters: list[asyncio.Future[None]] | None = None

    def is_set(self) -> bool:
        return self._value

    def set(self) -> None:
        if self._value:
            return
        self._value = True
        for waiter in self._waiters or ():
            if not waiter.done():
                waiter.set_result(None)

    def clear(self) -> None:
        self._value = False

    async def wait(self) -> bool:
        if self._value:
            return True
        waiter = asyncio.get_running_loop().create_future()
        if self._waiters is None:
            self._waiters = []
        self._waiters.append(waiter)
        try:
            await waiter
            return True
        finally:
            self._waiters.remove(waiter)
            if not self._waiters:
                self._waiters = None


class LeanWebSocketProtocol(WebSocketsSansIOProtocol):
    """Uvicorn's `websockets-sansio` protocol, with a leaner receive queue and `writable` flag, which forgets the
    handshake once it is done."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queue = Inbox()  # type: ignore[assignment]  # what uvicorn calls of a queue, and no more
        self.writable = Flag()  # type: ignore[assignment]
        self.writable.set()

    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)
        # The request's headers are in the ASGI scope now, as the byte pairs the app reads, and the response is
        # built. Uvicorn keeps the request as `self.request`, and websockets' parser, a generator, keeps it in a
        # local for the connection's life: its headers and the response's, with their lower-cased keys, were
        # ~4.7 KB per idle connection.
        self.request = None  # type: ignore[assignment]  # never read again
        event.headers.clear()

    def start_keepalive(self) -> None:
        # Uvicorn calls this once, right after writing the handshake's response: nothing reads it any more.
        self.response = None  # type: ignore[assignment]
        super().start_keepalive()
