"""Encode domain objects for the cache and the event bus, and decode them back."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

import orjson

from domain.catalog.model import (
    Category,
    CategoryTree,
    Product,
    ProductImage,
    ProductTranslation,
    ProductVariant,
    VariantOption,
)
from domain.inventory.model import StockLevel
from domain.shared.events import Event

E = TypeVar("E", bound=Event)


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot encode {type(value).__name__}")


def dumps(value: Any) -> bytes:
    return orjson.dumps(value, default=_default)


def encode_product(p: Product) -> bytes:
    return dumps(
        [
            p.id,
            p.name,
            p.slug,
            p.description,
            p.category_id,
            p.is_published,
            p.created_at,
            p.updated_at,
            p.published_at,
            p.seo_title,
            p.seo_description,
        ]
    )


def decode_product(raw: bytes) -> Product:
    (id_, name, slug, description, category_id, published, created, updated, published_at, seo_title, seo_text) = (
        orjson.loads(raw)
    )
    return Product(
        id=id_,
        name=name,
        slug=slug,
        description=description,
        category_id=category_id,
        is_published=published,
        created_at=datetime.fromisoformat(created),
        updated_at=datetime.fromisoformat(updated),
        published_at=datetime.fromisoformat(published_at) if published_at else None,
        seo_title=seo_title,
        seo_description=seo_text,
    )


def encode_translation(t: ProductTranslation | None) -> bytes:
    if t is None:
        return b"null"  # cached too: most products have no translation in most languages
    return dumps([t.product_id, t.language_code, t.name, t.slug, t.description, t.seo_title, t.seo_description])


def decode_translation(raw: bytes) -> ProductTranslation | None:
    row = orjson.loads(raw)
    return None if row is None else ProductTranslation(*row)


def encode_variants(variants: list[ProductVariant]) -> bytes:
    return dumps(
        [
            [
                v.id,
                v.product_id,
                v.sku,
                v.name,
                [[o.name, o.value] for o in v.options],
                v.position,
            ]
            for v in variants
        ]
    )


def decode_variants(raw: bytes) -> list[ProductVariant]:
    return [
        ProductVariant(
            id=id_,
            product_id=product_id,
            sku=sku,
            name=name,
            options=tuple(VariantOption(n, v) for n, v in options),
            position=position,
        )
        for id_, product_id, sku, name, options, position in orjson.loads(raw)
    ]


def encode_images(images: list[ProductImage]) -> bytes:
    return dumps([[i.id, i.product_id, i.url, i.alt, i.position] for i in images])


def decode_images(raw: bytes) -> list[ProductImage]:
    return [ProductImage(*row) for row in orjson.loads(raw)]


def encode_stock(level: StockLevel) -> bytes:
    return dumps([level.variant_id, level.quantity_on_hand, level.quantity_allocated])


def decode_stock(raw: bytes) -> StockLevel:
    return StockLevel(*orjson.loads(raw))


def encode_category_tree(tree: CategoryTree) -> bytes:
    return dumps([[c.id, c.parent_id, c.name, c.slug, c.description, c.position] for c in tree])


def decode_category_tree(raw: bytes) -> CategoryTree:
    return CategoryTree(Category(*row) for row in orjson.loads(raw))


def encode_event(event: Event) -> bytes:
    return dumps(dataclasses.asdict(event))


def decode_event(event_type: type[E], raw: bytes) -> E:
    return event_type(**orjson.loads(raw))
