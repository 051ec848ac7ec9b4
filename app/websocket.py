"""Our two changes to Strawberry's websocket transport: text frames, and subscriptions on shared feeds."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any, Protocol, cast

import orjson
from starlette.websockets import WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler, Operation
from strawberry.subscriptions.protocols.graphql_transport_ws.types import ConnectionInitMessage, ErrorMessage, Message

from app.fanout import FanoutHub, Outbox
from schema.context import Context


class TextWebSocketAdapter(ASGIWebSocketAdapter):
    """Send every message as a text frame.

    Strawberry sends a binary frame when `encode_json` returns bytes (ours does: orjson). Both websocket protocols
    carry "stringified" JSON only, and browser clients (graphql-ws, which GraphiQL uses) reject binary frames.
    """

    async def send_json(self, message: Mapping[str, object]) -> None:
        await self.send_text(orjson.dumps(message).decode())

    async def send_text(self, text: str) -> None:
        """Send one message that is already JSON."""
        try:
            await self.ws.send_text(text)
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc


class _HasFanout(Protocol):
    fanout: FanoutHub


class FanoutTransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """Strawberry's graphql-transport-ws handler, running each subscription on the hub's shared feed.

    Everything else stays Strawberry's: `connection_init` and its authentication (`on_ws_connect`), ping/pong,
    the checks on `subscribe` (acknowledged connection, duplicate ids, the per-connection limit), `complete`,
    and queries, mutations and malformed documents, which take Strawberry's own path. Only `run_operation` (the
    task Strawberry starts per operation) and `send_message` are replaced:

    - A subscription joins the feed for its document, variables and audience, and its task just waits for the
      feed to end; `complete` or a disconnect cancels the task (Strawberry's `cleanup_operation`), which leaves
      the feed. Per subscription, that is one task and one entry in the feed: no queue, no execution, no copy
      of the context.
    - Every message, ours and Strawberry's, goes through the connection's `Outbox`, so `next` messages fanned
      out by a feed and protocol messages leave in the order they were produced.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.outbox = Outbox(cast(TextWebSocketAdapter, self.websocket).send_text)

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        await super().handle_connection_init(message)
        # Strawberry keeps the cancelled timeout task (with its traceback) for the connection's life: ~1 KiB each.
        self.connection_init_timeout_task = None

    async def send_message(self, message: Message) -> None:
        await self.outbox.send(orjson.dumps(message).decode())

    async def shutdown(self) -> None:
        await super().shutdown()
        await self.outbox.aclose()

    async def run_operation(self, operation: Operation[Context, None]) -> None:
        hub = cast(_HasFanout, self.view).fanout
        if not hub.shares(operation.query, operation.operation_name):
            await super().run_operation(operation)
            return
        feed, subscriber = hub.join(
            query=operation.query,
            operation_name=operation.operation_name,
            variables=operation.variables,
            actor=self.context.actor,
            outbox=self.outbox,
            operation_id=operation.id,
        )
        try:
            # Shielded: cancelling this task (the client's `complete`) must not end the feed for the others.
            errors = await asyncio.shield(feed.done)
        finally:
            hub.leave(feed, subscriber)
        if errors is None:
            await operation.send_operation_message({"id": operation.id, "type": "complete"})
        else:
            error: ErrorMessage = {"id": operation.id, "type": "error", "payload": errors}
            await operation.send_operation_message(error)
