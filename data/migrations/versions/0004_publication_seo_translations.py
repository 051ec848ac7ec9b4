"""Scheduled publication, SEO fields, and product translations.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import data.types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("products") as batch:
        batch.add_column(sa.Column("published_at", data.types.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("seo_title", sa.String(length=250), nullable=True))
        batch.add_column(sa.Column("seo_description", sa.String(length=500), nullable=True))
    op.create_table(
        "product_translations",
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("language_code", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=250), nullable=True),
        sa.Column("slug", sa.String(length=255), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("seo_title", sa.String(length=250), nullable=True),
        sa.Column("seo_description", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name="fk_product_translations_product_id_products",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("product_id", "language_code", name="pk_product_translations"),
        sa.UniqueConstraint("language_code", "slug", name="uq_product_translations_language_code_slug"),
    )


def downgrade() -> None:
    op.drop_table("product_translations")
    with op.batch_alter_table("products") as batch:
        batch.drop_column("seo_description")
        batch.drop_column("seo_title")
        batch.drop_column("published_at")
