"""The benchmark's data: a scratch database (PostgreSQL or SQLite), migrated and seeded, and the keys to read."""

from __future__ import annotations

import asyncio
import base64
import os
import subprocess
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/0"
PAGE = 24


class DatasetError(RuntimeError):
    """The scratch database could not be created, migrated or seeded."""


@dataclass(frozen=True, slots=True)
class Dataset:
    """Where the data lives and what the workloads read."""

    backend: str
    database_url: str
    redis_url: str | None
    products: int
    product_slugs: list[str]
    category_slugs: list[str]
    variant_id: int
    write_variant_ids: list[int]  # spread over the catalog: what `--write-rate` updates, in turn


def postgres_url(admin_url: str, name: str) -> str:
    """Return the SQLAlchemy URL of a database on the admin URL's server."""
    base = admin_url.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    return f"{base}/{name}"


async def create_postgres_database(admin_url: str, name: str) -> bool:
    """Create the database unless it exists; return whether it was created."""
    admin = await asyncpg.connect(admin_url)
    try:
        if await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            return False
        await admin.execute(f'CREATE DATABASE "{name}"')
        return True
    finally:
        await admin.close()


async def drop_postgres_database(admin_url: str, name: str) -> None:
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def scratch_name() -> str:
    return f"vitrine_bench_{uuid.uuid4().hex[:8]}"


def vitrine(app_dir: Path, database_url: str, *args: str) -> str:
    """Run a `vitrine` command of the checkout in `app_dir`, as an operator would; return its output."""
    env = {**os.environ, "VITRINE_DATABASE_URL": database_url, "VITRINE_LOG_LEVEL": "warning"}
    command = ["uv", "run", "--no-sync", "vitrine", *args]
    done = subprocess.run(command, cwd=app_dir, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise DatasetError(f"`vitrine {' '.join(args)}` failed:\n{done.stdout}{done.stderr}")
    return done.stdout


async def count_products(database_url: str) -> int:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            return int(await conn.scalar(text("SELECT count(*) FROM products")) or 0)
    finally:
        await engine.dispose()


def seed(app_dir: Path, database_url: str, *, products: int, seed: int) -> int:
    """Migrate, then add products (`vitrine seed`) until the catalog holds `products`; return how many it holds."""
    vitrine(app_dir, database_url, "migrate")
    present = asyncio.run(count_products(database_url))
    if present < products:
        vitrine(app_dir, database_url, "seed", "--products", str(products - present), "--seed", str(seed))
        present = asyncio.run(count_products(database_url))
    asyncio.run(analyze(database_url))
    return present


async def analyze(database_url: str) -> None:
    """Give the planner statistics, as autovacuum would in production (it may be off on a test machine)."""
    if database_url.startswith("postgresql+asyncpg://"):
        conn = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://", 1))
        try:
            await conn.execute("VACUUM ANALYZE")
        finally:
            await conn.close()
        return
    engine = create_async_engine(database_url)
    try:
        async with engine.begin() as sqlite:
            await sqlite.execute(text("ANALYZE"))
    finally:
        await engine.dispose()


def _subtree_counts(categories: list[tuple[int, int | None, str]], direct: Counter[int]) -> dict[str, int]:
    parent = {cid: pid for cid, pid, _ in categories}
    totals: Counter[int] = Counter()
    for cid, count in direct.items():
        node: int | None = cid
        while node is not None:
            totals[node] += count
            node = parent.get(node)
    return {slug: totals[cid] for cid, _, slug in categories}


async def pick_keys(
    database_url: str, *, slugs: int = 50, writes: int = 100
) -> tuple[list[str], list[str], int, list[int]]:
    """Return published product slugs spread over the catalog, categories with a full page, a variant id, and
    variant ids spread over the catalog (for the write load)."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            total = int(await conn.scalar(text("SELECT count(*) FROM products WHERE is_published")) or 0)
            step = max(1, total // slugs)
            rows = await conn.execute(
                text("SELECT slug FROM products WHERE is_published ORDER BY id LIMIT :n"), {"n": step * slugs}
            )
            product_slugs = [row.slug for index, row in enumerate(rows) if index % step == 0][:slugs]
            categories = [(r.id, r.parent_id, r.slug) for r in await conn.execute(text("SELECT * FROM categories"))]
            direct = Counter[int]()
            for row in await conn.execute(
                text("SELECT category_id, count(*) AS n FROM products WHERE is_published GROUP BY category_id")
            ):
                if row.category_id is not None:
                    direct[row.category_id] = int(row.n)
            variant_id = int(await conn.scalar(text("SELECT min(id) FROM product_variants")) or 0)
            every = [int(v) for v in (await conn.scalars(text("SELECT id FROM product_variants ORDER BY id"))).all()]
    finally:
        await engine.dispose()
    counts = _subtree_counts(categories, direct)
    full = [slug for slug, count in sorted(counts.items()) if count >= PAGE]
    category_slugs = full or [slug for slug, count in counts.items() if count > 0]
    if not product_slugs or not category_slugs or not variant_id:
        raise DatasetError("the catalog is empty: nothing to benchmark")
    return product_slugs, category_slugs, variant_id, every[:: max(1, len(every) // writes)][:writes]


def global_id(type_name: str, id_: int) -> str:
    """Return the API's opaque ID for an object (base64 of `Type:id`)."""
    return base64.b64encode(f"{type_name}:{id_}".encode()).decode()
