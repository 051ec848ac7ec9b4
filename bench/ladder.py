"""`python -m bench.ladder`: what each part of a cold listing costs, as the CPU per request of a ladder of GraphQL
documents, each a step more of W2 than the one before, measured in turn in one process.

Each request is one ASGI call into the app as production builds it with the caches off (the harness's "cold"
mode), with its access log written at production's level (to /dev/null): no HTTP client and no server socket in
the figure, so a step's cost is the server's own. The documents take turns, `--per` requests at a time, for
`--rounds` rounds; each one's figure is the median of its rounds' medians, so a machine whose speed drifts within
minutes moves every step alike. The difference between two steps is what the second adds.

    uv run python -m bench.ladder --database postgresql+asyncpg://postgres@127.0.0.1:5432/NAME
    uv run python -m bench.ladder --database URL --query A.graphql --query B.graphql   # documents of your own

A document of your own is sent with W2's variables (`{"slug": …}`) when it declares `$slug`, with none otherwise.
The database must be migrated and seeded (`vitrine seed --products 1000`, then `VACUUM ANALYZE`).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from starlette.types import ASGIApp, Message

from app.asgi import create_app
from app.bootstrap import build_container
from app.logging import configure_logging
from bench import workloads
from bench.inprocess import cold_settings, listing_categories

_W2_NODE = workloads.CATEGORY_LISTING
_PRICING = """pricing(channel: "us") {
            priceRange { start { gross { amount currency } } stop { gross { amount currency } } }
          }"""
if _PRICING not in _W2_NODE:  # the steps below are cut from W2's own text
    raise RuntimeError("bench.ladder: W2's pricing selection is not where the steps expect it")


@dataclass(frozen=True, slots=True)
class Step:
    label: str
    document: str


# From nothing to the whole of W2, one part at a time.
W2_STEPS = (
    Step("no field: HTTP handling, the operation, the access log", "query CategoryListing { __typename }"),
    Step(
        "the category: the small tables' statement, the request's loaders",
        "query CategoryListing($slug: String!) { category(slug: $slug) { name } }",
    ),
    Step("24 products without prices: the page's statement, the products", _W2_NODE.replace(_PRICING, "")),
    Step(
        "with `pricing { __typename }`: each product's summary reached",
        _W2_NODE.replace(_PRICING, 'pricing(channel: "us") { __typename }'),
    ),
    Step("W2 as the harness sends it: the price ranges completed", _W2_NODE),
)


def variables_for(document: str, slug: str) -> dict[str, Any]:
    """W2's variables for a document that declares them, none for one that does not."""
    return {"slug": slug} if "$slug" in document else {}


def _scope(body: bytes) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"ladder"),
            (b"content-type", b"application/json"),
            (b"content-length", b"%d" % len(body)),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }


async def call(app: ASGIApp, body: bytes) -> bytes:
    """POST `body` to /graphql by one ASGI call; return the response body, refusing anything but a 200 without
    errors."""
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    await app(_scope(body), receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    answer = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    if status != 200 or b'"errors"' in answer:
        raise RuntimeError(f"bench.ladder: a request failed ({status}): {answer[:300]!r}")
    return answer


async def climb(app: ASGIApp, bodies: Sequence[Sequence[bytes]], *, rounds: int, per: int) -> list[float]:
    """Return each document's CPU milliseconds per request: the median over `rounds` of the median of `per`
    requests, the documents taking turns (each step's requests rotate over its bodies)."""
    for step in bodies:  # statement caches, plans, decoded small tables…
        for i in range(max(per // 3, 3)):
            await call(app, step[i % len(step)])
    medians: list[list[float]] = [[] for _ in bodies]
    for _ in range(rounds):
        for index, step in enumerate(bodies):
            cpu = []
            for i in range(per):
                started = time.process_time()
                await call(app, step[i % len(step)])
                cpu.append(time.process_time() - started)
            medians[index].append(statistics.median(cpu) * 1000)
    return [statistics.median(m) for m in medians]


async def main(options: argparse.Namespace, logs: TextIO) -> None:
    steps = [Step(path.name, path.read_text()) for path in options.query] if options.query else list(W2_STEPS)
    configure_logging(level="info", json=True, stream=logs)
    container = build_container(cold_settings(options.database))
    categories = await listing_categories(container)
    app = create_app(container=container)
    bodies = [
        [workloads.graphql_body(s.document, variables_for(s.document, slug)) for slug in categories] for s in steps
    ]
    async with app.router.lifespan_context(app):  # the lifespan closes the container
        figures = await climb(app, bodies, rounds=options.rounds, per=options.per)
    print("| step | CPU ms per request | added by the step |\n|---|--:|--:|")
    for index, (step, figure) in enumerate(zip(steps, figures, strict=True)):
        added = "" if index == 0 else f"{figure - figures[index - 1]:+.3f}"
        print(f"| {step.label} | {figure:.3f} | {added} |")


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.ladder", description=__doc__.split("\n")[0])
    parser.add_argument("--database", required=True, help="SQLAlchemy URL of a migrated, seeded database")
    parser.add_argument("--query", type=Path, action="append", help="a document of your own (repeat: in order)")
    parser.add_argument("--rounds", type=int, default=7, help="rounds of turns (default 7)")
    parser.add_argument("--per", type=int, default=150, help="requests per document per round (default 150)")
    return parser.parse_args()


if __name__ == "__main__":
    with open(os.devnull, "w") as sink:  # the access log is written, as in production, and thrown away
        asyncio.run(main(_parse(), sink))
