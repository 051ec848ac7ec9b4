"""Search: trigram candidates for typo correction on PostgreSQL, and attribute values and translations in documents.

On PostgreSQL, `pg_trgm` (a trusted extension shipped with PostgreSQL) and a GIN trigram index on the vocabulary
let `data.catalog_search.vocabulary_near` find corrections whose first letter differs. Search documents now also
hold a product's attribute values and translated names and descriptions, and no accents: the products that have
any get an empty document here, which `data.migrate.upgrade_to_head` rebuilds right after (`catalog_search.backfill`).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_RESET_DOCUMENTS = """
UPDATE products SET search_document = ''
WHERE id IN (SELECT product_id FROM product_attributes) OR id IN (SELECT product_id FROM product_translations)
   OR {non_ascii}
"""
# Documents holding a character outside printable ASCII may hold accents, which documents no longer keep.
_NON_ASCII = {"postgresql": "search_document ~ '[^ -~]'", "sqlite": "search_document GLOB '*[^ -~]*'"}


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX ix_search_terms_term_trgm ON search_terms USING gin (term gin_trgm_ops)")
    op.execute(_RESET_DOCUMENTS.format(non_ascii=_NON_ASCII[op.get_bind().dialect.name]))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_search_terms_term_trgm")
        # The extension stays: other schemas of the database may use it.
