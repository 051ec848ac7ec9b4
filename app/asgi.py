"""The ASGI application: `/graphql` (HTTP and websockets), `/healthz`, `/readyz`, `/metrics`."""

from __future__ import annotations

import contextlib
import gc
import sys
from collections.abc import AsyncIterator, Awaitable
from typing import Any

import orjson
from cross_web import HTTPException
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import process_result
from strawberry.types.unset import UnsetType

from app.bootstrap import Container, build_container
from app.fanout import FanoutHub
from app.graphiql import ASSETS_PATH, assets_app, local_page
from app.logging import configure_logging
from app.observability import RequestContextMiddleware, bind_request_id, operation_metrics, record_operation
from app.prepared import PreparedOperation, PreparedOperations, execute_prepared, plain_request
from app.pricing_refresher import PriceRefresher
from app.response_cache import is_cacheable_query
from app.response_front import SCOPE_KEY, Cacheable, ResponseCacheFront
from app.schema import build_schema
from app.settings import Settings, load_settings
from app.websocket import FanoutTransportWSHandler, TextWebSocketAdapter
from domain.shared.actor import ANONYMOUS, Actor
from schema.context import Context, RequestScope
from schema.errors import Codes


class Unauthenticated(HTTPException):
    def __init__(self) -> None:
        super().__init__(401, "The bearer token is not valid.")


def _error_body(message: str, code: str) -> bytes:
    return orjson.dumps({"data": None, "errors": [{"message": message, "extensions": {"code": code}}]})


class VitrineGraphQL(GraphQL[Context, None]):
    """Strawberry's ASGI view, with our context, JSON encoding, GraphQL-shaped transport errors, shared
    subscriptions (`app/websocket.py`, `app/fanout.py`), and GraphiQL's assets served by this process."""

    websocket_adapter_class = TextWebSocketAdapter
    graphql_transport_ws_handler_class = FanoutTransportWSHandler

    async def render_graphql_ide(self, request: Request) -> Response:
        return HTMLResponse(local_page(self.graphql_ide_html))

    def __init__(self, container: Container, **options: Any) -> None:
        settings = container.settings
        self.prepared = PreparedOperations()
        schema = build_schema(
            max_depth=settings.max_query_depth,
            max_aliases=settings.max_aliases,
            max_tokens=settings.max_tokens,
            extra_extensions=[operation_metrics(container.metrics), self.prepared.recorder()],
        )
        super().__init__(
            schema,
            graphql_ide="graphiql" if settings.graphiql_enabled else None,
            allowed_origins=settings.allowed_origins,
            **options,
        )
        self.container = container
        self._schema = schema  # as built: `self.schema` is typed as any Strawberry schema
        self.fanout = FanoutHub(
            self.schema,
            context_for=lambda actor: self._context(None, None, actor),
            metrics=container.metrics,
            max_tokens=settings.max_tokens,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.serve_websocket(scope, receive, send)
            return
        request = Request(scope, receive)
        marker = scope.get(SCOPE_KEY)
        plain = _is_plain_post(request)
        payload = await self._payload(request) if plain or isinstance(marker, Cacheable) else None
        if isinstance(marker, Cacheable):
            # The response-cache front layer missed: tell it whether this response may be stored.
            marker.query = is_cacheable_query(payload)
        found = plain_request(payload) if plain else None
        operation = self.prepared.find(found) if found is not None else None
        try:
            if operation is not None:
                response = await self._run_prepared(request, operation)
            else:
                response = await self.run(request)
        except HTTPException as exc:
            code = Codes.UNAUTHENTICATED if exc.status_code == 401 else Codes.BAD_REQUEST
            response = Response(_error_body(exc.reason, code), exc.status_code, media_type="application/json")
        await response(scope, receive, send)

    async def _run_prepared(self, request: Request, operation: PreparedOperation) -> Response:
        """Answer a plain POST of a prepared operation as `run` would, without Strawberry's view and extensions."""
        actor = self._actor(request.headers.get("authorization"))
        if actor is None:
            raise Unauthenticated
        result = await execute_prepared(
            self._schema,
            operation,
            context=self._context(request, None, actor),
            record=self._record_operation,
        )
        return Response(self.encode_json(process_result(result)), media_type="application/json")

    def _record_operation(self, name: str | None, failed: bool, started: float) -> None:
        record_operation(self.container.metrics, name, failed=failed, started=started)

    def serve_websocket(self, scope: Scope, receive: Receive, send: Send) -> Awaitable[object]:
        """Serve a websocket as Strawberry's `__call__` does, without keeping a coroutine frame around `run` (its
        own, or ours) for the connection's life."""
        return self.run(WebSocket(scope, receive=receive, send=send))

    async def _payload(self, request: Request) -> object:
        """Return the request's GraphQL payload (a JSON body, or a GET's query parameters), or `None`."""
        if request.method == "GET":
            params = request.query_params
            try:
                variables = orjson.loads(params["variables"]) if "variables" in params else None
            except orjson.JSONDecodeError:
                return None
            return {"query": params.get("query"), "variables": variables, "operationName": params.get("operationName")}
        try:
            return orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            return None

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    def _actor(self, authorization: str | None) -> Actor | None:
        if not authorization:
            return ANONYMOUS
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        return self.container.authenticate(token.strip())

    def _context(
        self, request: Request | WebSocket | None, response: Response | WebSocket | None, actor: Actor
    ) -> Context:
        return Context(
            request=request,
            response=response,
            request_id=request.scope.get("state", {}).get("request_id", "") if request is not None else "",
            actor=actor,
            build_scope=self._request_scope,
        )

    def _request_scope(self) -> RequestScope:
        services, loaders = self.container.request_scope()
        return RequestScope(
            loaders=loaders,
            catalog=services.catalog,
            inventory=services.inventory,
            pricing=services.pricing,
            product_pricing=services.product_pricing,
            price_summaries=services.price_summaries,
        )

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        actor = ANONYMOUS
        if isinstance(request, Request):
            found = self._actor(request.headers.get("authorization"))
            if found is None:
                raise Unauthenticated
            actor = found
        return self._context(request, response, actor)

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        # Browsers cannot set headers on a websocket: credentials come in `connection_init`'s payload.
        params = context.connection_params if isinstance(context.connection_params, dict) else {}
        authorization = next((str(v) for k, v in params.items() if k.lower() == "authorization"), None)
        actor = self._actor(authorization)
        if actor is None:
            raise ConnectionRejectionError({"message": "The bearer token is not valid."})
        context.actor = actor
        return await super().on_ws_connect(context)


def _is_plain_post(request: Request) -> bool:
    """A POST of a JSON body that asks for a single JSON response (not a stream of parts or events)."""
    if request.method != "POST":
        return False
    headers = request.headers
    accept = headers.get("accept", "")
    media_type = headers.get("content-type", "").partition(";")[0].strip().lower()
    return media_type == "application/json" and "multipart" not in accept and "text/event-stream" not in accept


class Vitrine(Starlette):
    """The Starlette app, with websockets on `/graphql` handed straight to Strawberry's view.

    Every layer of the ASGI chain is a coroutine frame that each open connection keeps while it waits for a message
    (240-500 B each). None of the middleware does anything for these websockets but the request id: the response
    cache, CORS and Starlette's error and exception layers handle HTTP only, and the router has one websocket
    route. So the id is given here, and the other ~1.7 KiB per idle subscriber are not kept (docs/performance.md).
    """

    def __init__(self, *, graphql: VitrineGraphQL, websocket_path: str, **options: Any) -> None:
        super().__init__(**options)
        self._graphql = graphql
        self._websocket_path = websocket_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and scope["path"] == self._websocket_path:
            scope["app"] = self
            bind_request_id(scope)
            await self._graphql.serve_websocket(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)


YOUNG_COLLECTION_THRESHOLD = 50_000  # allocations between collections of the youngest generation (CPython: 700)


@contextlib.asynccontextmanager
async def _lifespan(container: Container, app: Starlette) -> AsyncIterator[None]:
    # Everything built so far (modules, the schema, SQLAlchemy's metadata: ~120k objects) lives as long as the
    # process. Left to the collector, each full collection walks it again: ~70-100 ms of CPU, every few dozen
    # requests, because each request's objects reach the oldest generation before they die. Frozen, it is never
    # walked (measured in-process: a staff export of 5 pages of 100 products 310 -> 210 ms, docs/performance.md).
    gc.collect()
    gc.freeze()
    # A request's objects are freed by reference counting when it ends: none of them is in a reference cycle
    # (tests/api/test_execution.py). The collector then finds little but in-flight objects to walk, and promotes
    # them to the oldest generation, whose full collections walk every open websocket's objects (≈ 250 ms at
    # 5,000). Collecting the youngest generation every 50,000 allocations instead of 700 made collections rare:
    # none in 15 s of cold listings, with or without 5,000 websockets open (docs/performance.md).
    thresholds = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, *thresholds[1:])
    container.metrics.gc_pauses.start()
    refresher = None
    if container.settings.price_refresh_seconds > 0:
        refresher = PriceRefresher(container.refresh_stored_prices, interval=container.settings.price_refresh_seconds)
        refresher.start()
    try:
        yield
    finally:
        if refresher is not None:
            await refresher.stop()
        container.metrics.gc_pauses.stop()
        gc.set_threshold(*thresholds)
        gc.unfreeze()
        await container.aclose()


def create_app(settings: Settings | None = None, *, container: Container | None = None) -> Starlette:
    """Build the application; tests pass a container of their own."""
    if container is None:
        settings = settings or load_settings()
        # Each worker process builds its app here: give it the same logging as the CLI.
        configure_logging(level=settings.log_level, json=settings.log_json and not sys.stderr.isatty())
        container = build_container(settings)
    graphql = VitrineGraphQL(container)

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> Response:
        checks = await container.check_ready()
        ready = checks["database"] == "ok"
        return JSONResponse({"status": "ok" if ready else "unavailable", "checks": checks}, 200 if ready else 503)

    async def metrics(_: Request) -> Response:
        return Response(generate_latest(container.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    app = Vitrine(
        graphql=graphql,
        websocket_path="/graphql",
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),  # served by `Vitrine.__call__`, before the middleware
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics),
            *([Mount(ASSETS_PATH, assets_app())] if container.settings.graphiql_enabled else []),
        ],
        lifespan=lambda app: _lifespan(container, app),
    )
    if container.settings.allowed_origins:
        # Browsers on the storefront's origin call the API directly: answer their preflight requests.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=container.settings.allowed_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
            expose_headers=["X-Request-ID"],
            max_age=600,
        )
    app.add_middleware(RequestContextMiddleware)
    if container.responses is not None:
        # Outermost: a cached response is sent before the middleware and the view run (app/response_front.py).
        app.add_middleware(
            ResponseCacheFront,
            responses=container.responses,
            metrics=container.metrics,
            allowed_origins=container.settings.allowed_origins,
        )
    app.state.container = container
    app.state.fanout = graphql.fanout
    app.state.prepared = graphql.prepared
    return app
