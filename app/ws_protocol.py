"""Uvicorn's websocket protocol (websockets' sans-I/O implementation), keeping less per idle connection.

`vitrine serve` runs uvicorn with this class as its websocket implementation (`app/cli.py`). It behaves as
uvicorn's own; what changes is what an open connection keeps once its handshake is done (docs/performance.md,
W5 memory).
"""

from __future__ import annotations

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.http11 import Request


class LeanWebSocketProtocol(WebSocketsSansIOProtocol):
    """Uvicorn's `websockets-sansio` protocol, which forgets the handshake once it is done."""

    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)
        # The request's headers are in the ASGI scope now, as the byte pairs the app reads, and the response is
        # built. Uvicorn keeps the request as `self.request`, and websockets' parser, a generator, keeps it in a
        # local for the connection's life: ~2.5 KB of header strings and their lower-cased keys each.
        self.request = None  # type: ignore[assignment]  # never read again
        event.headers.clear()

    def start_keepalive(self) -> None:
        # Uvicorn calls this once, right after writing the handshake's response: nothing reads it any more.
        self.response = None  # type: ignore[assignment]
        super().start_keepalive()
