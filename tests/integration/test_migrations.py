"""Migrations run on SQLite and PostgreSQL, forwards and backwards, and match the models."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect

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
