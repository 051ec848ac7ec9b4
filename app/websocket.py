"""Our two changes to Strawberry's websocket transport: text frames, and subscriptions on shared feeds."""

from __future__ import annotations

import functools
from collections.abc import AsyncGenerator, Mapping
from typing import Any, Protocol, cast

import orjson
from graphql import GraphQLError
from starlette.websockets import WebSocketDisconnect, WebSocketState
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.http.exceptions import NonJsonMessageReceived, NonTextMessageReceived, WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler, Operation
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    CompleteMessage,
    ConnectionInitMessage,
    ErrorMessage,
    Message,
)

from app.fanout import FanoutHub, Feed, FormattedErrors, Outbox, Subscriber
from schema.context import Context
from schema.errors import format_errors


class TextWebSocketAdapter(ASGIWebSocketAdapter):
    """Send every message as a text frame.

    Strawberry sends a binary frame when `encode_json` returns bytes (ours does: orjson). Both websocket protocols
    carry "stringified" JSON only, and browser clients (graphql-ws, which GraphiQL uses) reject binary frames.
    """

    async def iter_json(self, *, ignore_parsing_errors: bool = False) -> AsyncGenerator[object, None]:
        """Yield the client's messages as Strawberry does, for less memory per idle connection.

        The loop waits in Starlette's `receive` itself, not in `receive_text` (a coroutine frame less, ~220 B), and
        parses with orjson, which shares the keys' strings between messages (the last message stays referenced
        while the connection waits: ~260 B less than `json.loads`). Disconnecting ends the loop; a binary frame or
        a message that is not JSON raises Strawberry's exceptions, as its own loop does.
        """
        ws = self.ws
        try:
            while ws.application_state != WebSocketState.DISCONNECTED:
                message = await ws.receive()
                if message["type"] == "websocket.disconnect":
                    return
                try:
                    yield orjson.loads(message["text"])
                except orjson.JSONDecodeError as exc:
                    if not ignore_parsing_errors:
                        raise NonJsonMessageReceived from exc
        except KeyError as exc:
            raise NonTextMessageReceived from exc

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
    the checks on `subscribe` (acknowledged connection, duplicate ids, the per-connection limit), and queries,
    mutations and malformed documents, which take Strawberry's own path. What changes:

    - `run_operation` (the task Strawberry starts per operation) joins a subscription to its feed and returns:
      the subscription lives on as an entry in the feed, with no task, queue, execution or context of its own
      (~1.6 KiB less per subscription than a task waiting for the feed to end).
    - `cleanup_operation` (the client's `complete`, or the connection closing) leaves the feed, and the feed
      ending by itself calls `_end_shared`, which sends `complete` (or `error`) as Strawberry would.
    - Every message, ours and Strawberry's, goes through the connection's `Outbox`, so `next` messages fanned
      out by a feed and protocol messages leave in the order they were produced.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.outbox = Outbox(cast(TextWebSocketAdapter, self.websocket).send_text)
        self._shared: dict[str, tuple[Feed, Subscriber]] = {}

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        await super().handle_connection_init(message)
        # Strawberry keeps the cancelled timeout task (with its traceback) for the connection's life: ~1 KiB each.
        self.connection_init_timeout_task = None

    async def send_message(self, message: Message) -> None:
        await self.outbox.send(orjson.dumps(message).decode())

    async def shutdown(self) -> None:
        await super().shutdown()  # cleans up every operation, ours included
        await self.outbox.aclose()

    async def run_operation(self, operation: Operation[Context, None]) -> None:
        hub = self._hub
        if not hub.shares(operation.query, operation.operation_name):
            error = hub.syntax_error(operation.query)
            if error is not None:
                # Strawberry's own path lets the parser's exception escape here (logged as "Exception in worker
                # task") and sends `complete`. A document that does not parse is an operation that cannot start:
                # an `error` with its id, as for one that fails validation; the connection and its other
                # subscriptions carry on.
                self._refuse(operation, [error])
                return
            await super().run_operation(operation)
            return
        self._shared[operation.id] = hub.join(
            query=operation.query,
            operation_name=operation.operation_name,
            variables=operation.variables,
            actor=self.context.actor,
            outbox=self.outbox,
            operation_id=operation.id,
            on_end=functools.partial(self._end_shared, operation),
        )
        # This task ends now; Strawberry's bookkeeping (`shutdown`) skips operations without one, and our
        # `cleanup_operation` handles shared ones before Strawberry's, which expects a task.
        operation.task = None

    async def cleanup_operation(self, operation_id: str) -> None:
        shared = self._shared.pop(operation_id, None)
        if shared is None:
            await super().cleanup_operation(operation_id)
            return
        self.operations.pop(operation_id, None)
        self._hub.leave(*shared)

    def _refuse(self, operation: Operation[Context, None], errors: list[GraphQLError]) -> None:
        """End an operation that cannot start with an `error` message (errors formatted as over HTTP)."""
        operation.task = None
        self._finish(operation, [error.formatted for error in format_errors(errors)])

    def _end_shared(self, operation: Operation[Context, None], errors: FormattedErrors | None) -> None:
        """Finish an operation whose feed ended (unless it already left it)."""
        if self._shared.pop(operation.id, None) is not None:
            self._finish(operation, errors)

    def _finish(self, operation: Operation[Context, None], errors: FormattedErrors | None) -> None:
        """As `Operation.send_operation_message` does: forget the operation, then send `complete` or `error`."""
        operation.completed = True
        self.operations.pop(operation.id, None)
        message: CompleteMessage | ErrorMessage = (
            {"id": operation.id, "type": "complete"}
            if errors is None
            else {"id": operation.id, "type": "error", "payload": errors}
        )
        self.outbox.put(orjson.dumps(message).decode())

    @property
    def _hub(self) -> FanoutHub:
        return cast(_HasFanout, self.view).fanout
