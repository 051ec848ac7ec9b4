"""`vitrine`: serve the API, migrate the database, seed demo data, export the schema."""

from __future__ import annotations

import asyncio
import os
import secrets
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import click
import uvicorn
from sqlalchemy.exc import DBAPIError

from app.bootstrap import build_container
from app.logging import configure_logging
from app.schema import build_schema
from app.settings import ConfigurationError, Environment, Settings, load_settings
from data.database import connect_database
from data.demo import catalog_is_empty, seed_catalog
from data.migrate import upgrade_to_head
from data.pricing_sql import fetch_channels

DEMO_PRODUCTS = 1_000


def _settings(**overrides: Any) -> Settings:
    try:
        settings = load_settings(**{k: v for k, v in overrides.items() if v is not None})
    except ConfigurationError as exc:
        click.echo(f"error: invalid configuration: {exc}", err=True)
        sys.exit(2)
    configure_logging(level=settings.log_level, json=settings.log_json and not sys.stderr.isatty())
    return settings


def _run(work: Callable[[], Coroutine[Any, Any, None]]) -> None:
    try:
        asyncio.run(work())
    except (OSError, DBAPIError) as exc:
        reason = exc.orig if isinstance(exc, DBAPIError) else exc
        click.echo(f"error: the database refused or did not answer: {reason}", err=True)
        sys.exit(1)


async def _prepare(settings: Settings, *, demo: bool) -> None:
    database = connect_database(settings.database_url)
    try:
        await upgrade_to_head(database)
        if demo and await catalog_is_empty(database):
            report = await seed_catalog(database, products=DEMO_PRODUCTS)
            click.echo(f"Loaded demo data: {report.products} products, {report.variants} variants.")
        async with database.read() as conn:
            slugs = [c.slug for c in await fetch_channels(conn)]
    finally:
        await database.dispose()
    if slugs and settings.default_channel not in slugs:
        click.echo(
            f"error: invalid configuration: VITRINE_DEFAULT_CHANNEL: there is no channel {settings.default_channel!r}"
            f" (there are: {', '.join(slugs)})",
            err=True,
        )
        sys.exit(2)


@click.group()
def main() -> None:
    """Vitrine: a GraphQL backend-for-frontend for commerce."""


@main.command()
@click.option("--host", default=None, help="Interface to bind (default 127.0.0.1, or VITRINE_HOST).")
@click.option("--port", type=int, default=None, help="Port to bind (default 8000, or VITRINE_PORT).")
@click.option("--reload", is_flag=True, help="Restart when the code changes (development).")
@click.option("--demo", is_flag=True, help="Load demo data into an empty database first.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True, help="Worker processes.")
@click.option("--no-migrate", is_flag=True, help="Do not apply migrations first (run `vitrine migrate` on release).")
def serve(host: str | None, port: int | None, reload: bool, demo: bool, workers: int, no_migrate: bool) -> None:
    """Apply migrations and serve the API."""
    settings = _settings(host=host, port=port)
    if workers > 1 and not settings.redis_url:
        # Without Redis each process would keep its own cache and pub/sub, and serve stale reads.
        click.echo("error: --workers above 1 needs VITRINE_REDIS_URL (shared cache and pub/sub)", err=True)
        sys.exit(2)
    if not no_migrate or demo:
        _run(lambda: _prepare(settings, demo=demo))
    if host is not None:
        os.environ["VITRINE_HOST"] = host
    if port is not None:
        os.environ["VITRINE_PORT"] = str(port)
    if demo and not settings.staff_tokens and settings.env is Environment.DEVELOPMENT:
        token = secrets.token_urlsafe(24)
        os.environ["VITRINE_STAFF_TOKENS"] = token
        click.echo(f"Staff token for this run (send as 'Authorization: Bearer …'): {token}")
    shown_host = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host  # noqa: S104
    where = f"http://{shown_host}:{settings.port}/graphql"
    click.echo(f"GraphiQL: {where}" if settings.graphiql_enabled else f"GraphQL endpoint: {where}")
    uvicorn.run(
        "app.asgi:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        reload=reload,
        workers=None if reload else workers,
        loop="uvloop",
        http="httptools",
        log_config=None,
        access_log=False,
        proxy_headers=True,
        # Subscription messages are a few hundred bytes, encoded once for all subscribers: compressing them per
        # connection costs CPU per subscriber, and a negotiated compressor ~50 KB per idle connection (measured).
        ws_per_message_deflate=False,
        # Uvicorn's websockets-sansio protocol, keeping less per idle connection (as an import string: each worker
        # process imports it itself).
        ws="app.ws_protocol:LeanWebSocketProtocol",
    )


@main.command()
def migrate() -> None:
    """Apply every pending database migration."""
    settings = _settings()

    async def work() -> None:
        await _prepare(settings, demo=False)
        click.echo("Database is at the newest revision.")

    _run(work)


@main.command()
@click.option("--products", type=click.IntRange(1, 1_000_000), default=DEMO_PRODUCTS, show_default=True)
@click.option("--seed", type=int, default=42, show_default=True, help="Random seed: same seed, same catalog.")
def seed(products: int, seed: int) -> None:
    """Migrate, then add generated demo products."""
    settings = _settings()

    async def work() -> None:
        database = connect_database(settings.database_url)
        try:
            await upgrade_to_head(database)
            report = await seed_catalog(database, products=products, seed=seed)
        finally:
            await database.dispose()
        click.echo(f"Added {report.products} products and {report.variants} variants.")
        click.echo(f"Stored {await _reprice(settings)} price summaries.")

    _run(work)


@main.command()
def reprice() -> None:
    """Store every price summary that is missing or out of date (API processes also do it, every few seconds)."""
    settings = _settings()

    async def work() -> None:
        click.echo(f"Stored {await _reprice(settings)} price summaries.")

    _run(work)


async def _reprice(settings: Settings) -> int:
    container = build_container(settings)
    try:
        return await container.refresh_stored_prices()
    finally:
        await container.aclose()


@main.command("export-schema")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None, help="File to write.")
def export_schema(output: Path | None) -> None:
    """Print the GraphQL schema (SDL), or write it to a file."""
    sdl = str(build_schema()) + "\n"
    if output is None:
        click.echo(sdl, nl=False)
    else:
        output.write_text(sdl)
        click.echo(f"Wrote {output}.")
