"""Demo attributes and collections, derived from the generated products so that seeding stays deterministic.

Attributes (for filters, facets and search): `material` (a choice: the material in the product's name), `colour`
(a choice, several per product: its variants' colours) and `organic` (a boolean). Collections: `staff-picks`
(hand-picked, in their own order), `under-20` (a rule: at most 20.00 in the `us` channel) and `new-arrivals` (a
rule: created in the last 30 days; the generated products are dated from 2026-01-01, so it fills only with products
added later).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from data.tables import attribute_choices, attributes, collection_products, collections

STAFF_PICK_EVERY = 97  # every 97th product is a staff pick


async def ensure_attributes(
    conn: AsyncConnection, *, materials: Sequence[str], colours: Sequence[str]
) -> dict[str, dict[str, int]]:
    """Create the demo attributes where there are none yet; return their ids: per attribute slug, "" → the
    attribute, and each choice's name → the choice."""
    if not await conn.scalar(select(func.count()).select_from(attributes)):
        definitions: list[tuple[str, str, str, Sequence[str]]] = [
            ("material", "Material", "choice", materials),
            ("colour", "Colour", "choice", colours),
            ("organic", "Organic", "boolean", ()),
        ]
        for position, (slug, name, kind, choices) in enumerate(definitions):
            result = await conn.execute(
                attributes.insert().values(slug=slug, name=name, kind=kind, unit=None, position=position)
            )
            key = result.inserted_primary_key
            assert key is not None
            for n, choice in enumerate(choices):
                await conn.execute(
                    attribute_choices.insert().values(attribute_id=key[0], slug=choice.lower(), name=choice, position=n)
                )
    ids: dict[str, dict[str, int]] = {}
    for row in await conn.execute(select(attributes.c.id, attributes.c.slug)):
        ids[row.slug] = {"": row.id}
    choice_rows = await conn.execute(
        select(attributes.c.slug, attribute_choices.c.id, attribute_choices.c.name).join(
            attributes, attributes.c.id == attribute_choices.c.attribute_id
        )
    )
    for found in choice_rows:
        ids[found.slug][found.name] = found.id
    return ids


def attribute_rows(
    ids: dict[str, dict[str, int]], *, product_id: int, name: str, colours: Sequence[str]
) -> list[dict[str, Any]]:
    """Return a generated product's attribute values: read off its name and its variants' colours."""
    rows: list[dict[str, Any]] = []

    def add(attribute: str, *, choice_id: int | None = None, boolean_value: bool | None = None) -> None:
        if attribute in ids:  # every row has every column: they are inserted as one batch
            rows.append(
                {
                    "product_id": product_id,
                    "attribute_id": ids[attribute][""],
                    "choice_id": choice_id,
                    "boolean_value": boolean_value,
                    "number_value": None,
                    "text_value": None,
                }
            )

    words = name.split()
    material = next((w for w in words if w in ids.get("material", {})), None)
    if material is not None:
        add("material", choice_id=ids["material"][material])
    for colour in dict.fromkeys(colours):
        if colour in ids.get("colour", {}):
            add("colour", choice_id=ids["colour"][colour])
    add("organic", boolean_value="Organic" in words)
    return rows


async def ensure_collections(conn: AsyncConnection) -> int | None:
    """Create the demo collections where there are none yet; return the id of the hand-picked one (or `None`)."""
    if not await conn.scalar(select(func.count()).select_from(collections)):
        await conn.execute(
            collections.insert(),
            [
                {
                    "slug": "staff-picks",
                    "name": "Staff picks",
                    "description": "What the team is wearing, using and recommending this season.",
                    "kind": "manual",
                    "rule": None,
                    "position": 0,
                },
                {
                    "slug": "under-20",
                    "name": "Under 20",
                    "description": "Everything at 20 or less.",
                    "kind": "rule",
                    "rule": {"max_price": "20.00", "channel": "us"},
                    "position": 1,
                },
                {
                    "slug": "new-arrivals",
                    "name": "New arrivals",
                    "description": "Added in the last 30 days.",
                    "kind": "rule",
                    "rule": {"created_within_days": 30},
                    "position": 2,
                },
            ],
        )
    found = await conn.scalar(select(collections.c.id).where(collections.c.slug == "staff-picks"))
    return None if found is None else int(found)


async def next_pick_position(conn: AsyncConnection, collection_id: int) -> int:
    """Return the position after the collection's last product."""
    last = await conn.scalar(
        select(func.max(collection_products.c.position)).where(collection_products.c.collection_id == collection_id)
    )
    return -1 if last is None else int(last) + 1
