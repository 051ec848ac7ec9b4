"""Build catalog rows for tests, with explicit values where a test cares and defaults where it doesn't."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import CursorResult, select
from sqlalchemy.ext.asyncio import AsyncConnection

from data import catalog_search
from data.catalog_sql import refresh_availability
from data.database import Database
from data.pricing_sql import refresh_listings
from data.tables import (
    attribute_choices,
    attributes,
    categories,
    channel_prices,
    channels,
    collection_products,
    collections,
    images,
    product_attributes,
    products,
    stock,
    tax_rates,
    translations,
    variants,
)
from domain.catalog.model import sort_name

_sequence = itertools.count(1)
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


@dataclass
class VariantSpec:
    sku: str | None = None
    price: Decimal = Decimal("10.00")
    channel: str = "us"
    on_hand: int = 5
    options: list[dict[str, str]] = field(default_factory=lambda: [{"name": "Size", "value": "M"}])


def _new_id(result: CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


# The channels tests price in: (currency, default country, prices include tax).
TEST_CHANNELS = {"us": ("USD", "US", False), "uk": ("GBP", "GB", True), "eu": ("EUR", "DE", True)}
TEST_TAX_RATES = {"US": ("0", "0"), "GB": ("20", "5"), "DE": ("19", "7")}


async def _ensure_channel(conn: AsyncConnection, slug: str) -> None:
    if await conn.scalar(select(channels.c.slug).where(channels.c.slug == slug)):
        return
    currency, country, gross = TEST_CHANNELS[slug]
    row = {"currency": currency, "default_country": country, "prices_include_tax": gross, "position": 0}
    await conn.execute(channels.insert().values(slug=slug, name=slug.upper(), **row))
    if not await conn.scalar(select(tax_rates.c.country).where(tax_rates.c.country == country)):
        standard, reduced = TEST_TAX_RATES[country]
        await conn.execute(
            tax_rates.insert(),
            [
                {"country": country, "tax_class": "standard", "rate": Decimal(standard)},
                {"country": country, "tax_class": "reduced", "rate": Decimal(reduced)},
                {"country": country, "tax_class": "zero", "rate": Decimal(0)},
            ],
        )


async def add_category(
    database: Database, *, name: str, slug: str | None = None, parent_id: int | None = None, position: int = 0
) -> int:
    n = next(_sequence)
    async with database.engine.begin() as conn:
        result = await conn.execute(
            categories.insert().values(
                name=name,
                slug=slug or f"category-{n}",
                description="",
                parent_id=parent_id,
                position=position,
            )
        )
    return _new_id(result)


async def add_product(
    database: Database,
    *,
    name: str = "Thing",
    slug: str | None = None,
    category_id: int | None = None,
    published: bool = True,
    created_at: datetime = NOW,
    published_at: datetime | None = None,
    seo_title: str | None = None,
    seo_description: str | None = None,
    variants_: list[VariantSpec] | None = None,
    image_urls: list[str] | None = None,
) -> int:
    n = next(_sequence)
    async with database.engine.begin() as conn:
        result = await conn.execute(
            products.insert().values(
                name=name,
                sort_name=sort_name(name),
                slug=slug or f"product-{n}",
                description=f"About {name}.",
                category_id=category_id,
                is_published=published,
                created_at=created_at,
                updated_at=created_at,
                published_at=published_at,
                seo_title=seo_title,
                seo_description=seo_description,
            )
        )
        product_id = _new_id(result)
        for position, spec in enumerate(variants_ if variants_ is not None else [VariantSpec()]):
            row: dict[str, Any] = {
                "product_id": product_id,
                "sku": spec.sku or f"SKU-{n}-{position}",
                "name": " / ".join(o["value"] for o in spec.options),
                "options": spec.options,
                "position": position,
            }
            variant_id = _new_id(await conn.execute(variants.insert().values(**row)))
            await conn.execute(
                stock.insert().values(variant_id=variant_id, quantity_on_hand=spec.on_hand, quantity_allocated=0)
            )
            await _ensure_channel(conn, spec.channel)
            await conn.execute(
                channel_prices.insert().values(variant_id=variant_id, channel_slug=spec.channel, amount=spec.price)
            )
        for position, url in enumerate(image_urls or []):
            await conn.execute(images.insert().values(product_id=product_id, url=url, alt=name, position=position))
        await catalog_search.refresh(conn, [product_id])
        await refresh_listings(conn, [product_id])
        await refresh_availability(conn, [product_id])
    return product_id


async def add_translation(database: Database, product_id: int, language_code: str, **fields: str | None) -> None:
    async with database.engine.begin() as conn:
        await conn.execute(translations.insert().values(product_id=product_id, language_code=language_code, **fields))
        await catalog_search.refresh(conn, [product_id])  # translated names and descriptions are searchable


async def add_attribute(
    database: Database, *, slug: str, kind: str, choices: list[str] | None = None, unit: str | None = None
) -> dict[str, int]:
    """Create an attribute; return its id under "" and each choice's id under its slug."""
    async with database.engine.begin() as conn:
        attribute_id = _new_id(
            await conn.execute(
                attributes.insert().values(slug=slug, name=slug.title(), kind=kind, unit=unit, position=0)
            )
        )
        ids = {"": attribute_id}
        for position, choice in enumerate(choices or []):
            row = {"attribute_id": attribute_id, "slug": choice, "name": choice.title(), "position": position}
            ids[choice] = _new_id(await conn.execute(attribute_choices.insert().values(**row)))
    return ids


async def set_attribute(
    database: Database,
    product_id: int,
    attribute_id: int,
    *,
    choice_id: int | None = None,
    number: Decimal | None = None,
    boolean: bool | None = None,
    text: str | None = None,
) -> None:
    async with database.engine.begin() as conn:
        await conn.execute(
            product_attributes.insert().values(
                product_id=product_id,
                attribute_id=attribute_id,
                choice_id=choice_id,
                number_value=number,
                boolean_value=boolean,
                text_value=text,
            )
        )
        await catalog_search.refresh(conn, [product_id])  # attribute values are searchable


async def add_collection(
    database: Database, *, slug: str, product_ids: list[int] | None = None, rule: dict[str, Any] | None = None
) -> int:
    async with database.engine.begin() as conn:
        collection_id = _new_id(
            await conn.execute(
                collections.insert().values(
                    slug=slug,
                    name=slug.title(),
                    description="",
                    kind="rule" if rule is not None else "manual",
                    rule=rule,
                    position=0,
                )
            )
        )
        for position, product_id in enumerate(product_ids or []):
            await conn.execute(
                collection_products.insert().values(
                    collection_id=collection_id, product_id=product_id, position=position
                )
            )
    return collection_id
