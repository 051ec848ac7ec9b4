"""An index for name-sorted listings inside a category (docs/catalog-queries.md).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_products_category_id_sort_name_id", "products", ["category_id", "sort_name", "id"])


def downgrade() -> None:
    op.drop_index("ix_products_category_id_sort_name_id", table_name="products")
