"""Encode domain objects for the cache and the event bus, and decode them back."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

import orjson

from domain.catalog.attributes import Attribute, AttributeChoice, AttributeKind, AttributeValue
from domain.catalog.collections import Collection, CollectionKind, CollectionRule
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
            p.in_stock,
        ]
    )


def decode_product(raw: bytes) -> Product:
    (id_, name, slug, description, category_id, published, created, updated, published_at, seo_title, seo_text,
     stock) = orjson.loads(raw)  # fmt: skip
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
        in_stock=stock,
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


def encode_attributes(found: list[Attribute]) -> bytes:
    return dumps(
        [[a.id, a.slug, a.name, a.kind.value, a.unit, [[c.id, c.slug, c.name] for c in a.choices]] for a in found]
    )


def decode_attributes(raw: bytes) -> list[Attribute]:
    return [
        Attribute(id_, slug, name, AttributeKind(kind), unit, tuple(AttributeChoice(*c) for c in choices))
        for id_, slug, name, kind, unit, choices in orjson.loads(raw)
    ]


def encode_collections(found: list[Collection]) -> bytes:
    return dumps([[c.id, c.slug, c.name, c.description, c.kind.value, _rule(c.rule), c.position] for c in found])


def _rule(rule: CollectionRule | None) -> dict[str, Any] | None:
    if rule is None:
        return None
    return {"created_within_days": rule.created_within_days, "max_price": rule.max_price, "channel": rule.channel}


def decode_collections(raw: bytes) -> list[Collection]:
    return [
        Collection(
            id_,
            slug,
            name,
            description,
            CollectionKind(kind),
            None
            if rule is None
            else CollectionRule(
                rule["created_within_days"],
                None if rule["max_price"] is None else Decimal(rule["max_price"]),
                rule["channel"],
            ),
            position,
        )
        for id_, slug, name, description, kind, rule, position in orjson.loads(raw)
    ]


def encode_attribute_values(values: list[AttributeValue]) -> bytes:
    return dumps([[v.attribute_id, v.choice_id, v.number, v.boolean, v.text] for v in values])


def decode_attribute_values(raw: bytes) -> list[AttributeValue]:
    return [AttributeValue(a, c, None if n is None else Decimal(n), b, t) for a, c, n, b, t in orjson.loads(raw)]
