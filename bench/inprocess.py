"""`python -m bench.inprocess`: CPU per request of the read workloads, in-process, without HTTP or wrk.

The app is built as production builds it, with the caches off (the benchmark's "cold" mode), and driven through
httpx's ASGI transport; each request is timed with `time.process_time`, so other processes on the machine do not
count. Steadier than wrk on a shared machine: compare two trees by running this in each, alternately.

    uv run python -m bench.inprocess --database postgresql+asyncpg://postgres@127.0.0.1:5432/NAME
    uv run --with pyinstrument python -m bench.inprocess --database URL --profile W2   # a pyinstrument profile

The database must be migrated and seeded (`vitrine migrate`, `vitrine seed --products 1000`, then `VACUUM ANALYZE`).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import statistics
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr
from sqlalchemy import text

from app.asgi import create_app
from app.bootstrap import Container, build_container
from app.logging import configure_logging
from app.settings import Settings
from bench import workloads

TOKEN = "inprocess-staff-token"  # noqa: S105 (a token this script configures for itself)
EXPORT_PAGES = 5
WORKLOADS = ("W1", "W2", "W3", "export")

Send = Callable[[str, dict[str, Any], bool], Awaitable[dict[str, Any]]]


async def _keys(container: Container) -> tuple[list[str], list[str]]:
    """Return a few product slugs (W1) and categories whose subtree fills a page of 24 (W2)."""
    async with container.database.read() as conn:
        products = (
            await conn.execute(text("SELECT slug FROM products WHERE is_published ORDER BY id LIMIT 5"))
        ).scalars()
        slugs = list(products)
    return slugs, await listing_categories(container)


async def listing_categories(container: Container) -> list[str]:
    """Return up to three categories whose products fill a page of 24 (W2's requests)."""
    async with container.database.read() as conn:
        categories = (
            await conn.execute(
                text(
                    "SELECT c.slug FROM categories c JOIN products p ON p.category_id = c.id "
                    "GROUP BY c.slug HAVING count(*) >= 24 ORDER BY c.slug LIMIT 3"
                )
            )
        ).scalars()
        return list(categories)


def cold_settings(database: str) -> Settings:
    """The benchmark's cold mode in one process: no cache, no Redis, no background statements."""
    return Settings(
        database_url=database,
        redis_url=None,
        cache_enabled=False,
        response_cache_seconds=0,
        price_refresh_seconds=0,  # no background statements between the counted ones (the seed stored the prices)
        log_json=False,
        log_level="warning",
        staff_tokens=[SecretStr(TOKEN)],
    )


def _requests(
    name: str, slugs: list[str], categories: list[str], query: str | None = None
) -> list[tuple[str, dict[str, Any]]]:
    """Return the workload's requests; with `query`, that document instead of the workload's, with its variables."""
    if name == "W1":
        return [(query or workloads.PRODUCT_PAGE, {"slug": s}) for s in slugs]
    if name == "W2":
        return [(query or workloads.CATEGORY_LISTING, {"slug": s}) for s in categories]
    return [(query or workloads.SEARCH, {"text": w}) for w in workloads.SEARCH_CANDIDATES[:3]]


async def _export(send: Send) -> None:
    after: str | None = None
    for _ in range(EXPORT_PAGES):
        page = (await send(workloads.STAFF_EXPORT, {"after": after}, True))["data"]["products"]
        after = page["pageInfo"]["endCursor"]


async def _measure(
    name: str,
    send: Send,
    slugs: list[str],
    categories: list[str],
    count: int,
    warmup: int | None = None,
    query: str | None = None,
) -> list[float]:
    """Return the CPU milliseconds of each of `count` requests (of whole exports, for `export`), after `warmup`
    untimed ones (by default a sixth as many, at least 3)."""
    if name == "export":
        run: Callable[[int], Awaitable[object]] = lambda _: _export(send)  # noqa: E731
    else:
        requests = _requests(name, slugs, categories, query)
        run = lambda i: send(*requests[i % len(requests)], False)  # noqa: E731
    for i in range(max(3, count // 6) if warmup is None else warmup):  # statement caches, decoded small tables…
        await run(i)
    cpu: list[float] = []
    for i in range(count):
        start = time.process_time()
        await run(i)
        cpu.append((time.process_time() - start) * 1000)
    return cpu


async def main(options: argparse.Namespace) -> None:
    settings = cold_settings(options.database)
    configure_logging(level="warning", json=False)
    container = build_container(settings)
    slugs, categories = await _keys(container)
    app = create_app(container=container)
    transport = httpx.ASGITransport(app=app)
    # The app's lifespan runs as under uvicorn (it settles the heap, and closes the container at the end).
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://b") as client:

        async def send(query: str, variables: dict[str, Any], staff: bool) -> dict[str, Any]:
            headers = {"Authorization": f"Bearer {TOKEN}"} if staff else {}
            response = await client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
            body: dict[str, Any] = response.json()
            if response.status_code != 200 or "errors" in body:
                raise RuntimeError(f"{query[:40]!r} failed: {response.status_code} {body}")
            return body

        if options.profile:
            await _profile(options.profile, send, slugs, categories, options.requests)
        else:
            for name in options.only:
                query = options.query.read_text() if options.query else None
                cpu = await _measure(name, send, slugs, categories, options.requests, options.warmup, query)
                if not cpu:
                    continue
                unit = f"per export of {EXPORT_PAGES} pages" if name == "export" else "per request"
                print(
                    f"{name:7} CPU ms {unit}: median {statistics.median(cpu):6.2f}, mean {statistics.mean(cpu):6.2f}, "
                    f"min {min(cpu):6.2f}, max {max(cpu):6.2f} ({len(cpu)} runs)"
                )


async def _profile(name: str, send: Send, slugs: list[str], categories: list[str], count: int) -> None:
    profiler: Any = importlib.import_module("pyinstrument").Profiler(interval=0.0002, async_mode="disabled")

    await _measure(name, send, slugs, categories, 3)
    profiler.start()
    await _measure(name, send, slugs, categories, count)
    profiler.stop()
    print(profiler.output_text(unicode=True, color=False, show_all=False))


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.inprocess", description=__doc__.split("\n")[0])
    parser.add_argument("--database", required=True, help="SQLAlchemy URL of a migrated, seeded database")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per workload (exports for export)")
    parser.add_argument("--warmup", type=int, help="untimed requests first (default: a sixth of --requests, ≥ 3)")
    parser.add_argument("--only", type=lambda v: [p for p in v.split(",") if p], default=list(WORKLOADS))
    parser.add_argument("--profile", choices=WORKLOADS, help="print a pyinstrument profile of one workload instead")
    parser.add_argument(
        "--query",
        type=Path,
        help="send this GraphQL document instead of the workload's, with the workload's variables (W1-W3): e.g. W2 "
        "without one field, to see what that field costs",
    )
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(_parse()))
