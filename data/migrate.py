"""Apply Alembic migrations programmatically, on the application's own engine."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection

from data import catalog_search
from data.database import Database

MIGRATIONS = Path(__file__).with_name("migrations")


# Search objects that live outside the models (SQLite's FTS5 tables; PostgreSQL's stored search vector, its index
# and the trigram index): migrations own them, so autogenerate must not propose to drop them.
UNMODELLED = (
    "product_fts",
    "ix_products_search_document",
    "ix_search_terms_term_trgm",
    "search_vector",
    "ix_products_search_vector",
)


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """Tell Alembic's autogenerate which database objects the models describe."""
    return not (name or "").startswith(UNMODELLED)


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

    async with database.engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            # SQLite migrations rebuild tables (copy, drop, rename); with foreign keys on, dropping the old table
            # would cascade-delete every row that refers to it. The pragma only works outside a transaction.
            await conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            await conn.commit()
        try:
            async with conn.begin():
                await conn.run_sync(_upgrade)
                await catalog_search.backfill(conn)
        finally:
            if sqlite:
                await conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                await conn.commit()
