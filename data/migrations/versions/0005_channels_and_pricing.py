"""Channels, per-channel variant prices, tax classes and rates, catalogue promotions.

Existing variant prices move to one channel per currency (USD -> `us`, GBP -> `uk`, EUR -> `eu`, others by their
code), and the single price columns on variants go.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from collections.abc import Sequence
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

import data.types

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KNOWN = {"USD": ("us", "United States", "US", False), "GBP": ("uk", "United Kingdom", "GB", True)}
KNOWN["EUR"] = ("eu", "Europe", "DE", True)
# Percent (standard, reduced, zero) for the countries of the channels above; another country gets zero rates,
# which staff must then set: prices fail with NO_TAX_RATES_FOR_COUNTRY for a country with no rates at all.
RATES = {"US": ("0", "0", "0"), "GB": ("20", "5", "0"), "DE": ("19", "7", "0")}


def upgrade() -> None:
    op.create_table(
        "channels",
        sa.Column("slug", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("default_country", sa.String(length=2), nullable=False),
        sa.Column("prices_include_tax", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("slug", name="pk_channels"),
    )
    op.create_table(
        "channel_prices",
        sa.Column("variant_id", sa.Integer(), nullable=False),
        sa.Column("channel_slug", sa.String(length=32), nullable=False),
        sa.Column("amount", data.types.Amount(precision=19, scale=4), nullable=False),
        sa.Column("compare_at", data.types.Amount(precision=19, scale=4), nullable=True),
        sa.ForeignKeyConstraint(
            ["channel_slug"], ["channels.slug"], name="fk_channel_prices_channel_slug_channels", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["variant_id"],
            ["product_variants.id"],
            name="fk_channel_prices_variant_id_product_variants",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("variant_id", "channel_slug", name="pk_channel_prices"),
    )
    op.create_index("ix_channel_prices_channel_slug_variant_id", "channel_prices", ["channel_slug", "variant_id"])
    op.create_table(
        "tax_rates",
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("tax_class", sa.String(length=16), nullable=False),
        sa.Column("rate", data.types.Amount(precision=19, scale=4), nullable=False),
        sa.PrimaryKeyConstraint("country", "tax_class", name="pk_tax_rates"),
    )
    op.create_table(
        "catalogue_promotions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=250), nullable=False),
        sa.Column("reward_kind", sa.String(length=16), nullable=False),
        sa.Column("reward_value", data.types.Amount(precision=19, scale=4), nullable=False),
        sa.Column("reward_currency", sa.String(length=3), nullable=True),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("target", sa.JSON(), nullable=True),
        sa.Column("starts_at", data.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ends_at", data.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("stackable", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_catalogue_promotions"),
    )
    with op.batch_alter_table("products") as batch:
        batch.add_column(sa.Column("tax_class", sa.String(length=16), nullable=False, server_default="standard"))
    _move_prices_to_channels()
    with op.batch_alter_table("product_variants") as batch:
        batch.drop_column("price_amount")
        batch.drop_column("price_currency")


def _move_prices_to_channels() -> None:
    connection = op.get_bind()
    currencies = connection.execute(sa.text("SELECT DISTINCT price_currency FROM product_variants")).scalars().all()
    for position, currency in enumerate(sorted(currencies)):
        slug, name, country, gross = KNOWN.get(currency, (currency.lower(), currency, "US", False))
        connection.execute(
            sa.text(
                "INSERT INTO channels (slug, name, currency, default_country, prices_include_tax, position) "
                "VALUES (:slug, :name, :currency, :country, :gross, :position)"
            ),
            {"slug": slug, "name": name, "currency": currency, "country": country, "gross": gross, "position": position},
        )
        for tax_class, rate in zip(("standard", "reduced", "zero"), RATES.get(country, ("0", "0", "0")), strict=True):
            connection.execute(
                sa.text("INSERT INTO tax_rates (country, tax_class, rate) VALUES (:country, :tax_class, :rate)"),
                {"country": country, "tax_class": tax_class, "rate": _stored(connection, rate)},
            )
        connection.execute(
            sa.text(
                "INSERT INTO channel_prices (variant_id, channel_slug, amount) "
                "SELECT id, :slug, price_amount FROM product_variants WHERE price_currency = :currency"
            ),
            {"slug": slug, "currency": currency},
        )


def _stored(connection: sa.Connection, percent: str) -> object:
    """Return a rate as the Amount column stores it: a scaled integer on SQLite, a decimal elsewhere."""
    value = Decimal(percent)
    return int(value * 10_000) if connection.dialect.name == "sqlite" else value


def downgrade() -> None:
    with op.batch_alter_table("product_variants") as batch:
        batch.add_column(sa.Column("price_amount", data.types.Amount(precision=19, scale=4), nullable=True))
        batch.add_column(sa.Column("price_currency", sa.String(length=3), nullable=True))
    op.execute(
        "UPDATE product_variants SET "
        "price_amount = (SELECT min(cp.amount) FROM channel_prices cp WHERE cp.variant_id = product_variants.id), "
        "price_currency = (SELECT min(c.currency) FROM channel_prices cp JOIN channels c ON c.slug = cp.channel_slug "
        "WHERE cp.variant_id = product_variants.id)"
    )
    with op.batch_alter_table("products") as batch:
        batch.drop_column("tax_class")
    op.drop_table("catalogue_promotions")
    op.drop_table("tax_rates")
    op.drop_index("ix_channel_prices_channel_slug_variant_id", table_name="channel_prices")
    op.drop_table("channel_prices")
    op.drop_table("channels")
