"""Migrations run on SQLite and PostgreSQL, forwards and backwards, and match the models."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect, text

from data.database import connect_database
from data.migrate import alembic_config, include_object, upgrade_to_head
from data.tables import Base
from tests import services


@pytest.fixture(params=["sqlite", "postgresql"])
async def url(request: pytest.FixtureRequest, tmp_path: Path) -> object:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"
        return
    if (reason := await services.check_postgres()) is not None:
        services.unavailable("PostgreSQL", reason)
    async with services.scratch_postgres_database() as made:
        yield made


def _upgrade_to(connection: Connection, revision: str) -> None:
    """Migrate to one revision (to put rows in the shape a later migration must carry over)."""
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def test_upgrade_creates_every_table_and_is_idempotent(url: str) -> None:
    database = connect_database(url)
    try:
        await upgrade_to_head(database)
        await upgrade_to_head(database)
        async with database.engine.connect() as conn:
            tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
            drift = await conn.run_sync(
                lambda c: compare_metadata(
                    MigrationContext.configure(c, opts={"include_object": include_object}), Base.metadata
                )
            )
    finally:
        await database.dispose()

    assert set(Base.metadata.tables) <= tables
    assert drift == []


async def test_downgrade_to_base_and_up_again(url: str) -> None:
    database = connect_database(url)

    def downgrade(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "base")

    try:
        await upgrade_to_head(database)
        async with database.engine.begin() as conn:
            await conn.run_sync(downgrade)
            remaining = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        await upgrade_to_head(database)
    finally:
        await database.dispose()

    assert remaining <= {"alembic_version"}


async def test_moving_prices_to_channels_keeps_stock_and_prices(url: str) -> None:
    """Migration 0005 rebuilds the variants table on SQLite; nothing that refers to variants may be lost."""
    database = connect_database(url)

    try:
        async with database.engine.begin() as conn:
            await conn.run_sync(_upgrade_to, "0004")
            await conn.execute(
                text(
                    "INSERT INTO products (id, name, sort_name, slug, description, search_document, is_published,"
                    " created_at, updated_at) VALUES (1, 'Tote', 'tote', 'tote', '', 'tote', true,"
                    " '2026-01-01 00:00:00+00', '2026-01-01 00:00:00+00')"
                )
            )
            amount = 1250000 if conn.dialect.name == "sqlite" else 125  # 125.0000 as each dialect stores it
            await conn.execute(
                text(
                    "INSERT INTO product_variants (id, product_id, sku, name, options, price_amount, price_currency,"
                    " position) VALUES (1, 1, 'T-1', 'One', '[]', :amount, 'GBP', 0)"
                ),
                {"amount": amount},
            )
            await conn.execute(text("INSERT INTO stock_levels VALUES (1, 7, 0)"))
        await upgrade_to_head(database)
        async with database.engine.connect() as conn:
            stock = (await conn.execute(text("SELECT quantity_on_hand FROM stock_levels"))).scalars().all()
            prices = (await conn.execute(text("SELECT channel_slug FROM channel_prices"))).scalars().all()
            rates = (await conn.execute(text("SELECT country, tax_class FROM tax_rates"))).all()
            listed = (await conn.execute(text("SELECT channel_slug FROM product_channel_listings"))).scalars().all()
    finally:
        await database.dispose()

    assert stock == [7]
    assert prices == ["uk"]
    assert listed == ["uk"]
    assert sorted(rates) == [("GB", "reduced"), ("GB", "standard"), ("GB", "zero")]


async def test_availability_is_computed_for_the_products_already_there(url: str) -> None:
    """Migration 0008 adds `products.in_stock`: true where a variant has more on hand than allocated."""
    database = connect_database(url)

    try:
        async with database.engine.begin() as conn:
            await conn.run_sync(_upgrade_to, "0007")
            for pid, slug in ((1, "stocked"), (2, "allocated"), (3, "bare")):
                await conn.execute(
                    text(
                        "INSERT INTO products (id, name, sort_name, slug, description, search_document,"
                        " is_published, tax_class, created_at, updated_at) VALUES (:id, :slug, :slug, :slug, '', '',"
                        " true, 'standard', '2026-01-01 00:00:00+00', '2026-01-01 00:00:00+00')"
                    ),
                    {"id": pid, "slug": slug},
                )
            for vid, pid, on_hand, allocated in ((1, 1, 0, 0), (2, 1, 3, 1), (3, 2, 2, 2)):
                await conn.execute(
                    text(
                        "INSERT INTO product_variants (id, product_id, sku, name, options, position)"
                        " VALUES (:v, :p, :sku, '', '[]', 0)"
                    ),
                    {"v": vid, "p": pid, "sku": f"S-{vid}"},
                )
                await conn.execute(
                    text("INSERT INTO stock_levels VALUES (:v, :on_hand, :allocated)"),
                    {"v": vid, "on_hand": on_hand, "allocated": allocated},
                )
        await upgrade_to_head(database)
        async with database.engine.connect() as conn:
            flags = (await conn.execute(text("SELECT slug, in_stock FROM products ORDER BY id"))).all()
    finally:
        await database.dispose()

    assert [(slug, bool(flag)) for slug, flag in flags] == [("stocked", True), ("allocated", False), ("bare", False)]


async def test_search_documents_are_rebuilt_with_attribute_values_and_without_accents(url: str) -> None:
    """Migration 0009 empties the documents it changes the shape of; the upgrade rebuilds them."""
    database = connect_database(url)

    try:
        async with database.engine.begin() as conn:
            await conn.run_sync(_upgrade_to, "0008")
            for pid, name in ((1, "Crème Tote"), (2, "Wool Scarf"), (3, "Plain Mug")):
                await conn.execute(
                    text(
                        "INSERT INTO products (id, name, sort_name, slug, description, search_document,"
                        " is_published, tax_class, created_at, updated_at, in_stock) VALUES (:id, :name, :name,"
                        " :slug, '', :doc, true, 'standard', '2026-01-01 00:00:00+00', '2026-01-01 00:00:00+00',"
                        " false)"
                    ),
                    {"id": pid, "name": name, "slug": f"p{pid}", "doc": name.lower()},
                )
            await conn.execute(text("INSERT INTO attributes VALUES (1, 'material', 'Material', 'text', NULL, 0)"))
            await conn.execute(
                text(
                    "INSERT INTO product_attributes (id, product_id, attribute_id, text_value)"
                    " VALUES (1, 2, 1, 'Merino')"
                )
            )
        await upgrade_to_head(database)
        async with database.engine.connect() as conn:
            documents = (await conn.execute(text("SELECT search_document FROM products ORDER BY id"))).scalars().all()
    finally:
        await database.dispose()

    assert documents == ["creme tote", "wool scarf merino", "plain mug"]


async def test_name_words_are_written_for_the_products_already_there(url: str) -> None:
    """Migration 0011 adds `product_name_words`, each folded word of each name beside the name's sort form, and the
    same words in the product's row."""
    database = connect_database(url)

    try:
        async with database.engine.begin() as conn:
            await conn.run_sync(_upgrade_to, "0010")
            for pid, name in ((1, "Crème Brûlée Tote"), (2, "T-Shirt t-shirt"), (3, "X" + "y" * 120)):
                await conn.execute(
                    text(
                        "INSERT INTO products (id, name, sort_name, slug, description, search_document,"
                        " is_published, tax_class, created_at, updated_at, in_stock) VALUES (:id, :name, :sort,"
                        " :slug, '', :doc, true, 'standard', '2026-01-01 00:00:00+00', '2026-01-01 00:00:00+00',"
                        " false)"
                    ),
                    {"id": pid, "name": name, "sort": name.casefold(), "slug": f"p{pid}", "doc": name.lower()},
                )
        await upgrade_to_head(database)
        async with database.engine.connect() as conn:
            rows = (
                await conn.execute(
                    text("SELECT product_id, word, sort_name FROM product_name_words ORDER BY product_id, word")
                )
            ).all()
            texts = (await conn.execute(text("SELECT name_words FROM products ORDER BY id"))).scalars().all()
    finally:
        await database.dispose()

    assert texts == [" brulee creme tote ", " shirt t ", " " + "x" + "y" * 99 + " "]
    assert [tuple(r) for r in rows] == [
        (1, "brulee", "crème brûlée tote"),
        (1, "creme", "crème brûlée tote"),
        (1, "tote", "crème brûlée tote"),
        (2, "shirt", "t-shirt t-shirt"),
        (2, "t", "t-shirt t-shirt"),
        (3, "x" + "y" * 99, "x" + "y" * 120),  # cut to a search's longest word
    ]
