"""Apply Alembic migrations programmatically, on the application's own engine."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection

from data.database import Database

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config() -> Config:
    """Return the Alembic configuration for Vitrine's migrations."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


async def upgrade_to_head(database: Database) -> None:
    """Bring the schema to the newest revision (a no-op when it is already there)."""

    def _upgrade(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    async with database.engine.begin() as conn:
        await conn.run_sync(_upgrade)
