"""Products sort by name and by creation date through indexes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SORTABLE_TEXT = sa.String(250).with_variant(sa.String(250, collation="C"), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("products") as batch:
        batch.add_column(sa.Column("sort_name", SORTABLE_TEXT, nullable=True))
    connection = op.get_bind()
    products = sa.table("products", sa.column("id", sa.Integer), sa.column("name"), sa.column("sort_name"))
    # The sort form is Python's casefold (domain.catalog.model.sort_name), which SQL's lower() does not match.
    rows = connection.execute(sa.select(products.c.id, products.c.name)).all()
    for start in range(0, len(rows), 5_000):
        connection.execute(
            products.update().where(products.c.id == sa.bindparam("pid")).values(sort_name=sa.bindparam("sn")),
            [{"pid": row.id, "sn": row.name.casefold()} for row in rows[start : start + 5_000]],
        )
    with op.batch_alter_table("products") as batch:
        batch.alter_column("sort_name", existing_type=SORTABLE_TEXT, nullable=False)
        batch.create_index("ix_products_sort_name_id", ["sort_name", "id"])
        batch.create_index("ix_products_created_at_id", ["created_at", "id"])


def downgrade() -> None:
    with op.batch_alter_table("products") as batch:
        batch.drop_index("ix_products_created_at_id")
        batch.drop_index("ix_products_sort_name_id")
        batch.drop_column("sort_name")
