"""Demo pricing: three channels, their tax tables, a price per variant in each, and two promotions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from data.tables import catalogue_promotions, channels, tax_rates

# (slug, name, currency, default country, prices include tax, price factor from the USD base)
CHANNELS = (
    ("us", "United States", "USD", "US", False, Decimal("1")),
    ("uk", "United Kingdom", "GBP", "GB", True, Decimal("0.85")),
    ("eu", "Europe", "EUR", "DE", True, Decimal("0.95")),
)
# Percent per class (standard, reduced, zero). US sales tax depends on the state: the table leaves it to checkout.
TAX_RATES = {
    "US": ("0", "0", "0"),
    "GB": ("20", "5", "0"),
    "DE": ("19", "7", "0"),
    "FR": ("20", "5.5", "0"),
    "NL": ("21", "9", "0"),
}


async def ensure_pricing(conn: AsyncConnection, *, top_categories: dict[str, int]) -> None:
    """Create the demo channels, tax rates and promotions where there are none yet."""
    if not await conn.scalar(select(func.count()).select_from(channels)):
        await conn.execute(
            channels.insert(),
            [
                {
                    "slug": slug,
                    "name": name,
                    "currency": currency,
                    "default_country": country,
                    "prices_include_tax": gross,
                    "position": position,
                }
                for position, (slug, name, currency, country, gross, _) in enumerate(CHANNELS)
            ],
        )
    if not await conn.scalar(select(func.count()).select_from(tax_rates)):
        rows = [
            {"country": country, "tax_class": tax_class, "rate": Decimal(rate)}
            for country, rates in TAX_RATES.items()
            for tax_class, rate in zip(("standard", "reduced", "zero"), rates, strict=True)
        ]
        await conn.execute(tax_rates.insert(), rows)
    if not await conn.scalar(select(func.count()).select_from(catalogue_promotions)) and top_categories:
        await conn.execute(catalogue_promotions.insert(), _promotions(top_categories))


def _promotions(top: dict[str, int]) -> list[dict[str, Any]]:
    common = {"starts_at": None, "ends_at": None, "priority": 0, "stackable": False}
    promotions: list[dict[str, Any]] = []
    if "Clothing" in top:
        promotions.append(
            {
                "name": "Winter sale",
                "reward_kind": "percentage",
                "reward_value": Decimal(20),
                "reward_currency": None,
                "channels": ["eu", "uk", "us"],
                "target": {"category_ids": [top["Clothing"]]},
                **common,
            }
        )
    if "Footwear" in top:
        promotions.append(
            {
                "name": "£10 off footwear",
                "reward_kind": "fixed",
                "reward_value": Decimal(10),
                "reward_currency": "GBP",
                "channels": ["uk"],
                "target": {"category_ids": [top["Footwear"]]},
                **common,
            }
        )
    return promotions


def prices_for(variant_id: int, base: Decimal) -> list[dict[str, Any]]:
    """Return a variant's demo price in every channel: the base converted, ending in .99 or .00 as the base does."""
    rows = []
    for slug, _, _, _, _, factor in CHANNELS:
        converted = (base * factor).quantize(Decimal(1)) - (Decimal(0) if base % 1 == 0 else Decimal("0.01"))
        rows.append({"variant_id": variant_id, "channel_slug": slug, "amount": max(converted, Decimal("0.99"))})
    return rows
