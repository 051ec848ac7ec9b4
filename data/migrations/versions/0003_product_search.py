"""Full-text search over products: a search document, its index on each database, and a vocabulary.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEARCH_TERM = sa.String(100).with_variant(sa.String(100, collation="C"), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("products") as batch:
        batch.add_column(sa.Column("search_document", sa.Text(), nullable=False, server_default=""))
    op.create_table("search_terms", sa.Column("term", SEARCH_TERM, nullable=False), sa.PrimaryKeyConstraint("term", name="pk_search_terms"))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX ix_products_search_document ON products "
            "USING gin (to_tsvector('simple'::regconfig, search_document))"
        )
    else:
        # A standalone FTS5 table keyed by product id, written by the data layer (not by triggers, which SQLite's
        # table-rebuilding migrations would silently drop).
        op.execute("CREATE VIRTUAL TABLE product_fts USING fts5(document, tokenize='unicode61 remove_diacritics 0')")
    # Existing rows get their documents on the next `vitrine migrate` run of `data.catalog_search.rebuild`.


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_products_search_document")
    else:
        op.execute("DROP TABLE IF EXISTS product_fts")
    op.drop_table("search_terms")
    with op.batch_alter_table("products") as batch:
        batch.drop_column("search_document")
