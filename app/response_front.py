"""The response cache's front door: answer a cached anonymous query before the rest of the app runs.

A raw ASGI layer in front of the middleware and the GraphQL view. For `POST /graphql` with a JSON body, or
`GET /graphql?query=…`, without an `Authorization` header, it hashes the raw request, reads the data versions and
the stored response in one round trip, and on a hit sends the stored bytes with the headers the full app would send
(content type, CORS for allowed origins, a request id) plus `X-Cache: hit`. On a miss it passes the request on,
with the body replayed, and stores the response if the GraphQL view marked the request as a cacheable query and it
succeeded, with the kinds of data its computation read (`data/dependencies.py`). Identical misses under the same
data versions are computed once per process: the others wait for that response (`X-Cache: shared`), at most
`FLIGHT_WAIT_SECONDS`, then compute their own.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass

import structlog
from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.metrics import Metrics
from app.response_cache import FLIGHT_WAIT_SECONDS, ResponseCache, request_key
from data.dependencies import recording_reads

log = structlog.get_logger("vitrine.http")
_VALID_REQUEST_ID = re.compile(rb"^[A-Za-z0-9._-]{1,64}$")
MAX_CACHED_REQUEST_BYTES = 64 * 1024  # longer bodies are not looked up (nor hashed)
SCOPE_KEY = "vitrine.response_cache"


@dataclass(slots=True)
class Cacheable:
    """Put in the request's scope on a miss; the GraphQL view sets `query` when the request is one cacheable query."""

    query: bool = False


class HitLog:
    """One log line per interval for the requests answered here, instead of one per request."""

    def __init__(self, *, interval_seconds: float = 10.0) -> None:
        self._interval = interval_seconds
        self._since = time.monotonic()
        self._count = 0
        self._shared = 0
        self._total = 0.0
        self._slowest = 0.0

    def record(self, seconds: float, *, shared: bool) -> None:
        self._count += 1
        self._shared += shared
        self._total += seconds
        self._slowest = max(self._slowest, seconds)
        now = time.monotonic()
        if now - self._since >= self._interval:
            self.flush(now)

    def flush(self, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        if self._count:
            log.info(
                "http.cached_responses",
                path="/graphql",
                count=self._count,
                shared=self._shared,
                seconds=round(now - self._since, 1),
                mean_ms=round(self._total / self._count * 1000, 3),
                max_ms=round(self._slowest * 1000, 3),
            )
        self._since, self._count, self._shared, self._total, self._slowest = now, 0, 0, 0.0, 0.0


async def _unused_app(scope: Scope, receive: Receive, send: Send) -> None:  # pragma: no cover - never called
    raise RuntimeError("only CORSMiddleware.send is used")


class ResponseCacheFront:
    """Serve response-cache hits for `/graphql` straight from Redis; pass everything else on."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        responses: ResponseCache,
        metrics: Metrics,
        allowed_origins: Sequence[str] = (),
        path: str = "/graphql",
    ) -> None:
        self.app = app
        self._responses = responses
        self._metrics = metrics
        self._path = path
        self._hits = HitLog()
        # The same CORS rules as the app's CORSMiddleware (app/asgi.py), applied to the responses sent from here.
        self._cors = (
            CORSMiddleware(
                _unused_app,
                allow_origins=allowed_origins,
                allow_methods=["GET", "POST"],
                allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
                expose_headers=["X-Request-ID"],
                max_age=600,
            )
            if allowed_origins
            else None
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self._path:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        method = scope["method"]
        content_type = accept = request_id = b""
        for name, value in scope["headers"]:
            if name == b"authorization":
                await self.app(scope, receive, send)  # staff (or a bad token): never from the cache
                return
            if name == b"content-type":
                content_type = value
            elif name == b"accept":
                accept = value
            elif name == b"x-request-id":
                request_id = value
        if method == "POST" and content_type.startswith(b"application/json"):
            raw, receive = await _read_body(receive)
            if raw is None:
                await self.app(scope, receive, send)
                return
        elif method == "GET" and scope["query_string"] and b"text/html" not in accept:
            raw = scope["query_string"]  # (a browser asking for text/html may get GraphiQL instead)
        else:
            await self.app(scope, receive, send)
            return
        key = request_key(method, raw)
        body, version = await self._responses.get(key)
        if body is not None:
            await self._send_cached(scope, send, body, request_id, b"hit")
            self._hits.record(time.perf_counter() - started, shared=False)
            return
        if not version:  # the cache could not be read: compute, store nothing
            await self.app(scope, receive, send)
            return
        await self._compute(scope, receive, send, key=key, version=version, request_id=request_id, started=started)

    async def _compute(
        self, scope: Scope, receive: Receive, send: Send, *, key: str, version: bytes, request_id: bytes, started: float
    ) -> None:
        pending = self._responses.flight(key, version)
        if pending is not None:
            try:  # (`asyncio.timeout`, not `wait_for`, which on Python 3.11 can lose the request's cancellation)
                async with asyncio.timeout(FLIGHT_WAIT_SECONDS):
                    body = await asyncio.shield(pending)
            except TimeoutError:
                body = None
            if body is not None:
                self._metrics.response_shared.inc()
                await self._send_cached(scope, send, body, request_id, b"shared")
                self._hits.record(time.perf_counter() - started, shared=True)
                return
            await self._run(scope, receive, send, key=key, version=version)
            return
        future = self._responses.start_flight(key, version)
        body = None
        try:
            body = await self._run(scope, receive, send, key=key, version=version, flight=future)
        finally:
            self._responses.end_flight(key, version, future, body)

    async def _run(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        key: str,
        version: bytes,
        flight: asyncio.Future[bytes | None] | None = None,
    ) -> bytes | None:
        """Run the full app; store its response when it may be cached (before sending it, so that the client's next
        request finds it), and return what was stored."""
        marker = Cacheable()
        scope[SCOPE_KEY] = marker
        held: Message | None = None
        chunks: list[bytes] = []
        stored: bytes | None = None

        async def capture(message: Message) -> None:
            nonlocal held, stored
            if message["type"] == "http.response.start":
                if marker.query and message["status"] == 200 and _is_json(message):
                    held = message
                    return
            elif held is not None and message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                body = b"".join(chunks)
                if body and b'"errors"' not in body:
                    stored = body
                    if flight is not None:  # the waiting requests need not wait for the store
                        self._responses.end_flight(key, version, flight, body)
                    await self._responses.put(key, version, body, reads)
                start, held = held, None
                await send(start)
                await send({"type": "http.response.body", "body": body})
                return
            await send(message)

        with recording_reads() as reads:
            await self.app(scope, receive, capture)
        return stored

    async def _send_cached(self, scope: Scope, send: Send, body: bytes, request_id: bytes, status: bytes) -> None:
        if not _VALID_REQUEST_ID.match(request_id):
            request_id = os.urandom(16).hex().encode()  # as random as uuid4().hex, a quarter of the cost
        start: Message = {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"x-cache", status),
                (b"x-request-id", request_id),
            ],
        }
        if self._cors is not None:
            await self._cors.send(start, send, Headers(scope=scope))
        else:
            await send(start)
        await send({"type": "http.response.body", "body": body})


def _is_json(start: Message) -> bool:
    return any(n == b"content-type" and v.startswith(b"application/json") for n, v in start.get("headers", ()))


async def _read_body(receive: Receive) -> tuple[bytes | None, Receive]:
    """Read the whole request body; return it (or `None` when too long) and a `receive` that replays it."""
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await receive()
        if message["type"] != "http.request":  # the client went away: let the app see it
            return None, _replay([], message, receive)
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        more = message.get("more_body", False)
        if more and size > MAX_CACHED_REQUEST_BYTES:
            return None, _replay(chunks, None, receive, more_body=True)
    body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
    return (body if size <= MAX_CACHED_REQUEST_BYTES else None), _replay([body], None, receive)


def _replay(chunks: list[bytes], last: Message | None, receive: Receive, *, more_body: bool = False) -> Receive:
    """Return a `receive` that first gives back what was read, then reads on."""
    queue: list[Message] = [
        {"type": "http.request", "body": chunk, "more_body": more_body or i < len(chunks) - 1}
        for i, chunk in enumerate(chunks)
    ]
    if last is not None:
        queue.append(last)

    async def replayed() -> Message:
        if queue:
            return queue.pop(0)
        return await receive()

    return replayed
