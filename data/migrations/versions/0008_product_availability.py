"""A stored availability flag per product, and a covering index for category counts and facets.

`products.in_stock` says whether any variant has stock to sell (on hand above allocated); the stock unit of work
keeps it current (`data.catalog_sql.refresh_availability`), so `inStock` filters on a column instead of probing
every product's variants (a partial index holds the products out of stock). On PostgreSQL `ix_products_category_id_id` now carries the columns every shopper listing
filters on, so `totalCount` and the facets of a category subtree are index-only scans (docs/catalog-queries.md).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BACKFILL = """
UPDATE products SET in_stock = EXISTS (
    SELECT 1 FROM product_variants JOIN stock_levels ON stock_levels.variant_id = product_variants.id
    WHERE product_variants.product_id = products.id
      AND stock_levels.quantity_on_hand > stock_levels.quantity_allocated
)
"""


def upgrade() -> None:
    op.add_column("products", sa.Column("in_stock", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute(_BACKFILL)
    op.create_index(
        "ix_products_out_of_stock",
        "products",
        ["category_id", "id"],
        postgresql_where=sa.text("NOT in_stock"),
        sqlite_where=sa.text("NOT in_stock"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_products_category_id_id", table_name="products")
        op.create_index(
            "ix_products_category_id_id",
            "products",
            ["category_id", "id"],
            postgresql_include=["is_published", "published_at", "in_stock"],
        )


def downgrade() -> None:
    op.drop_index("ix_products_out_of_stock", table_name="products")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_products_category_id_id", table_name="products")
        op.create_index("ix_products_category_id_id", "products", ["category_id", "id"])
    with op.batch_alter_table("products") as batch:
        batch.drop_column("in_stock")
