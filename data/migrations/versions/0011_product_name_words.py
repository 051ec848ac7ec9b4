"""Search: each word of a product's name, beside its sort name, so a page of relevance ranks reads no more than a page.

Also `products.name_words`, the same words in the row (" brulee creme tote "), for the pages that rank every match.

Searches rank the names in which every searched word begins a word above the other matches (before: holds it
anywhere, "oat" in "coat"). `product_name_words` gives those names in name order from its primary key, where the
relevance expression had PostgreSQL rank every match: 12-18 ms for a common word at 100,000 products, ≈ 2 ms now
(docs/catalog-queries.md). Existing products get their rows here; `data.catalog_search` keeps them after.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26
"""

import re
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SORTABLE_TEXT = sa.String(250).with_variant(sa.String(250, collation="C"), "postgresql")
SEARCH_TERM = sa.String(100).with_variant(sa.String(100, collation="C"), "postgresql")
_WORD = re.compile(r"\w+", re.UNICODE)
_BATCH = 5_000


def _name_words(name: str) -> list[str]:
    # `domain.catalog.search.name_words` as of this revision: folded (lowercase, no accents), cut to 100 letters.
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    return sorted({word[:100] for word in _WORD.findall(folded)})


def upgrade() -> None:
    table = op.create_table(
        "product_name_words",
        sa.Column("word", SEARCH_TERM, nullable=False),
        sa.Column("sort_name", SORTABLE_TEXT, nullable=False),
        sa.Column("product_id", sa.Integer, nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name="fk_product_name_words_product_id_products",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("word", "sort_name", "product_id", name="pk_product_name_words"),
    )
    op.create_index("ix_product_name_words_product_id", "product_name_words", ["product_id"])
    op.add_column("products", sa.Column("name_words", sa.Text, nullable=False, server_default=""))
    products = sa.table(
        "products", sa.column("id", sa.Integer), sa.column("name"), sa.column("sort_name"), sa.column("name_words")
    )
    found = op.get_bind().execute(sa.select(products.c.id, products.c.name, products.c.sort_name)).all()
    rows = [
        {"word": word, "sort_name": row.sort_name, "product_id": row.id}
        for row in found
        for word in _name_words(row.name)
    ]
    for start in range(0, len(rows), _BATCH):
        op.get_bind().execute(table.insert(), rows[start : start + _BATCH])
    texts = [{"pid": row.id, "words": " " + " ".join(_name_words(row.name)) + " "} for row in found]
    fill = products.update().where(products.c.id == sa.bindparam("pid")).values(name_words=sa.bindparam("words"))
    for start in range(0, len(texts), _BATCH):
        op.get_bind().execute(fill, texts[start : start + _BATCH])


def downgrade() -> None:
    with op.batch_alter_table("products") as batch:
        batch.drop_column("name_words")
    op.drop_index("ix_product_name_words_product_id", table_name="product_name_words")
    op.drop_table("product_name_words")
