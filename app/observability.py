"""Request ids, access logs and per-operation metrics."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator

import structlog
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension

from app.metrics import Metrics

log = structlog.get_logger("vitrine.http")
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def bind_request_id(scope: Scope) -> str:
    """Give a request or websocket its id (the caller's `X-Request-ID` when sane), in its scope and its logs."""
    incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
    request_id = incoming if _VALID_REQUEST_ID.match(incoming) else os.urandom(16).hex()
    scope.setdefault("state", {})["request_id"] = request_id
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(request_id=request_id)
    return request_id


class RequestContextMiddleware:
    """Give every request an id (the caller's `X-Request-ID` when sane), bind it to logs, echo it back."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_id = bind_request_id(scope)
        if scope["type"] == "websocket":
            # Nothing to add to a websocket's messages: pass `send` through rather than wrap every message.
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message).append("X-Request-ID", request_id)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if scope["path"] not in ("/healthz", "/metrics"):
                log.info(
                    "http.request",
                    method=scope["method"],
                    path=scope["path"],
                    status=status,
                    duration_ms=round((time.perf_counter() - started) * 1000, 2),
                )


def record_operation(metrics: Metrics, name: str | None, *, failed: bool, started: float) -> None:
    """Count and time one GraphQL operation (begun at `perf_counter()` `started`), and name it in the request's logs."""
    label = metrics.operation_label(name)
    structlog.contextvars.bind_contextvars(operation=name)
    metrics.graphql_requests.labels(label, "error" if failed else "ok").inc()
    metrics.graphql_latency.labels(label).observe(time.perf_counter() - started)


def operation_metrics(metrics: Metrics) -> Callable[[], SchemaExtension]:
    """Return an extension factory that counts and times each GraphQL operation."""

    class OperationMetrics(SchemaExtension):
        def on_operation(self) -> Iterator[None]:
            started = time.perf_counter()
            failed = True
            try:
                yield
                context = self.execution_context
                failed = bool(context.pre_execution_errors) or bool(context.result and context.result.errors)
            finally:
                # Also when a syntax error escapes the hook: those operations count as errors too.
                record_operation(metrics, self.execution_context.operation_name, failed=failed, started=started)

    return OperationMetrics
