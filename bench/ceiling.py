"""The ceiling: a bare Starlette endpoint returning a fixed JSON body, served as `vitrine serve` serves the API.

`BENCH_CEILING_BODY` names a file holding the body (the harness writes W2's real response there); without it the
app returns a generated body of `BENCH_CEILING_BYTES` bytes (default 5,000).
"""

from __future__ import annotations

import os
from pathlib import Path

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def _body() -> bytes:
    path = os.environ.get("BENCH_CEILING_BODY")
    if path:
        return Path(path).read_bytes()
    size = int(os.environ.get("BENCH_CEILING_BYTES", "5000"))
    filler = "x" * max(0, size - len(orjson.dumps({"data": {"filler": ""}})))
    return orjson.dumps({"data": {"filler": filler}})


def create_app() -> Starlette:
    """Build the app; the body is read once, here, not at import time."""
    body = _body()

    async def graphql(_: Request) -> Response:
        return Response(body, media_type="application/json")

    async def healthz(_: Request) -> Response:
        return Response(b'{"status":"ok"}', media_type="application/json")

    return Starlette(
        routes=[Route("/graphql", graphql, methods=["GET", "POST"]), Route("/healthz", healthz)],
    )
