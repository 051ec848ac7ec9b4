"""Build catalog rows for tests, with explicit values where a test cares and defaults where it doesn't."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import CursorResult

from data import catalog_search
from data.database import Database
from data.tables import categories, images, products, stock, translations, variants
from domain.catalog.model import sort_name

_sequence = itertools.count(1)
NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


@dataclass
class VariantSpec:
    sku: str | None = None
    price: Decimal = Decimal("10.00")
    currency: str = "USD"
    on_hand: int = 5
    options: list[dict[str, str]] = field(default_factory=lambda: [{"name": "Size", "value": "M"}])


def _new_id(result: CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


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
                "price_amount": spec.price,
                "price_currency": spec.currency,
                "position": position,
            }
            variant = await conn.execute(variants.insert().values(**row))
            await conn.execute(
                stock.insert().values(variant_id=_new_id(variant), quantity_on_hand=spec.on_hand, quantity_allocated=0)
            )
        for position, url in enumerate(image_urls or []):
            await conn.execute(images.insert().values(product_id=product_id, url=url, alt=name, position=position))
        await catalog_search.refresh(conn, [product_id])
    return product_id


async def add_translation(database: Database, product_id: int, language_code: str, **fields: str | None) -> None:
    async with database.engine.begin() as conn:
        await conn.execute(translations.insert().values(product_id=product_id, language_code=language_code, **fields))
