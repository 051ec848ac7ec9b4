"""Pricing: each product's price summary per channel, stored beside its lowest price, for listings.

Listings showed prices the engine computed in every request: for a page of 24 products, reading every variant's
prices and pricing each one was more than half of the request (docs/performance.md). `product_channel_listings`
now also keeps what the engine made of them — the discounted and undiscounted ranges before tax, whether a
promotion applies, the largest saving — and until when that holds (the next start or end of a promotion of the
channel). Existing rows start out of date (`prices_valid_until` in 1970): listings price them with the engine
until the price refresher has stored them (`vitrine reprice`, or an API process within seconds of starting).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import data.types

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_AMOUNTS = ("price_start", "price_stop", "undiscounted_start", "undiscounted_stop", "max_discount")


def upgrade() -> None:
    with op.batch_alter_table("product_channel_listings", schema=None) as batch_op:
        for name in _AMOUNTS:
            batch_op.add_column(sa.Column(name, data.types.Amount(precision=19, scale=4), nullable=True))
        batch_op.add_column(sa.Column("on_sale", sa.Boolean(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "prices_valid_until",
                data.types.UTCDateTime(timezone=True),
                server_default=sa.text("'1970-01-01 00:00:00+00'"),
                nullable=False,
            )
        )
        batch_op.create_index("ix_product_channel_listings_prices_valid_until", ["prices_valid_until"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("product_channel_listings", schema=None) as batch_op:
        batch_op.drop_index("ix_product_channel_listings_prices_valid_until")
        batch_op.drop_column("prices_valid_until")
        batch_op.drop_column("on_sale")
        for name in reversed(_AMOUNTS):
            batch_op.drop_column(name)
