"""A deterministic, plausible demo catalog: categories, products, variants, prices, stock, images, attribute
values and collections."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from data import catalog_search
from data.batches import batched
from data.database import Database
from data.demo_catalog import (
    STAFF_PICK_EVERY,
    attribute_rows,
    ensure_attributes,
    ensure_collections,
    next_pick_position,
)
from data.demo_pricing import ensure_pricing, prices_for
from data.pricing_sql import refresh_listings
from data.tables import categories, channel_prices, collection_products, images, product_attributes, stock, variants
from data.tables import products as product_table
from domain.catalog.model import sort_name

CHUNK = 2_000
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)

TREE: dict[str, dict[str, list[str]]] = {
    "Clothing": {"Jackets": ["Rain jackets", "Down jackets"], "Shirts": [], "Trousers": [], "Knitwear": []},
    "Footwear": {"Trainers": [], "Boots": ["Hiking boots", "Chelsea boots"], "Sandals": []},
    "Home": {"Kitchen": ["Cookware", "Knives"], "Bedding": [], "Lighting": []},
    "Outdoors": {"Tents": [], "Backpacks": [], "Camp kitchen": []},
    "Accessories": {"Bags": [], "Hats": [], "Scarves": [], "Watches": []},
}
NOUNS: dict[str, list[str]] = {
    "Clothing": ["Jacket", "Parka", "Shirt", "Overshirt", "Chinos", "Jeans", "Sweater", "Cardigan", "Hoodie"],
    "Footwear": ["Trainer", "Runner", "Boot", "Chelsea Boot", "Sandal", "Loafer", "Slip-on"],
    "Home": ["Pan", "Casserole", "Chef's Knife", "Duvet Cover", "Pillowcase", "Lamp", "Pendant Light", "Mug"],
    "Outdoors": ["Tent", "Backpack", "Daypack", "Stove", "Water Bottle", "Sleeping Bag", "Camp Chair"],
    "Accessories": ["Tote", "Weekender", "Beanie", "Cap", "Scarf", "Watch", "Wallet", "Belt"],
}
ADJECTIVES = [
    "Classic", "Everyday", "Lightweight", "Heritage", "Coastal", "Alpine", "Urban", "Field", "Studio", "Nordic",
    "Weekend", "Essential", "Rugged", "Soft", "Vintage", "Modern", "Packable", "Insulated", "Waxed", "Organic",
]  # fmt: skip
MATERIALS = ["Cotton", "Linen", "Wool", "Merino", "Canvas", "Leather", "Suede", "Nylon", "Ceramic", "Steel", "Oak"]
COLOURS = ["Black", "Navy", "Olive", "Sand", "Rust", "Grey", "Cream", "Forest", "Burgundy", "Slate"]
SIZES = ["XS", "S", "M", "L", "XL", "XXL"]
SHOE_SIZES = ["38", "39", "40", "41", "42", "43", "44", "45"]
PRICE_ENDINGS = [Decimal("0.99"), Decimal("0.00"), Decimal("0.50"), Decimal("0.95")]


@dataclass(frozen=True, slots=True)
class SeedReport:
    categories: int
    products: int
    variants: int


def _slugify(text_: str) -> str:
    kept = "".join(ch.lower() if ch.isalnum() else "-" for ch in text_)
    return "-".join(part for part in kept.split("-") if part)


async def _next_id(conn: AsyncConnection, table: Table) -> int:
    return int(await conn.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0) + 1


async def _insert(conn: AsyncConnection, table: Table, rows: list[dict[str, Any]]) -> None:
    for batch in batched(rows, CHUNK):
        await conn.execute(table.insert(), batch)


async def _ensure_categories(conn: AsyncConnection) -> tuple[dict[int, str], dict[str, int]]:
    """Create the category tree if there is none; return each category's top-level name, and the top levels."""
    table = categories
    existing = (await conn.execute(select(table.c.id, table.c.parent_id, table.c.name))).all()
    if not existing:
        rows: list[dict[str, Any]] = []
        next_id = 1

        def add(name: str, parent: int | None, position: int) -> int:
            nonlocal next_id
            rows.append(
                {
                    "id": next_id,
                    "parent_id": parent,
                    "name": name,
                    "slug": _slugify(name),
                    "description": f"Our selection of {name.lower()}.",
                    "position": position,
                }
            )
            next_id += 1
            return next_id - 1

        for top_position, (top, children) in enumerate(TREE.items()):
            top_id = add(top, None, top_position)
            for child_position, (child, grandchildren) in enumerate(children.items()):
                child_id = add(child, top_id, child_position)
                for leaf_position, leaf in enumerate(grandchildren):
                    add(leaf, child_id, leaf_position)
        await _insert(conn, table, rows)
        existing = (await conn.execute(select(table.c.id, table.c.parent_id, table.c.name))).all()
    parents = {row.id: row.parent_id for row in existing}
    names = {row.id: row.name for row in existing}

    def top_of(category_id: int) -> str:
        while parents[category_id] is not None:
            category_id = parents[category_id] or category_id
        return str(names[category_id])

    roots = {row.name: row.id for row in existing if row.parent_id is None}
    return {row.id: top_of(row.id) for row in existing}, roots


def _variant_options(rng: random.Random, top: str) -> Iterator[list[dict[str, str]]]:
    count = rng.randint(3, 6)
    if top == "Clothing":
        colour = rng.choice(COLOURS)
        for size in SIZES[:count]:
            yield [{"name": "Size", "value": size}, {"name": "Colour", "value": colour}]
    elif top == "Footwear":
        for size in rng.sample(SHOE_SIZES, count):
            yield [{"name": "Size", "value": size}]
    else:
        for colour in rng.sample(COLOURS, count):
            yield [{"name": "Colour", "value": colour}]


async def seed_catalog(database: Database, *, products: int, seed: int = 42) -> SeedReport:
    """Add `products` generated products (deterministic for a given seed), in one transaction."""
    rng = random.Random(seed)
    async with database.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # The products are generated inside the transaction, between its first statements and its inserts: at
            # 100,000 products on a busy machine that exceeds the API's idle-in-transaction limit (data/database.py).
            await conn.execute(text("SET LOCAL idle_in_transaction_session_timeout = 0"))
        category_tops, roots = await _ensure_categories(conn)
        category_ids = sorted(category_tops)
        await ensure_pricing(conn, top_categories=roots)
        attribute_ids = await ensure_attributes(conn, materials=MATERIALS, colours=COLOURS)
        staff_picks = await ensure_collections(conn)
        pick_position = 0 if staff_picks is None else await next_pick_position(conn, staff_picks)
        product_id = await _next_id(conn, product_table)
        variant_id = await _next_id(conn, variants)
        image_id = await _next_id(conn, images)
        product_rows: list[dict[str, Any]] = []
        variant_rows: list[dict[str, Any]] = []
        stock_rows: list[dict[str, Any]] = []
        price_rows: list[dict[str, Any]] = []
        image_rows: list[dict[str, Any]] = []
        value_rows: list[dict[str, Any]] = []
        pick_rows: list[dict[str, Any]] = []
        labels: dict[int, list[str]] = {}
        for _ in range(products):
            category_id = rng.choice(category_ids)
            top = category_tops[category_id]
            nouns = NOUNS.get(top) or NOUNS["Accessories"]  # a category tree made by hand has other names
            name = f"{rng.choice(ADJECTIVES)} {rng.choice(MATERIALS)} {rng.choice(nouns)}"
            slug = f"{_slugify(name)}-{product_id}"
            created = EPOCH + timedelta(minutes=product_id * 7)
            product_rows.append(
                {
                    "id": product_id,
                    "name": name,
                    "sort_name": sort_name(name),
                    "slug": slug,
                    "description": f"The {name.lower()}: made to last, designed to be worn and used every day.",
                    "category_id": category_id,
                    "is_published": rng.random() > 0.03,
                    "created_at": created,
                    "updated_at": created,
                }
            )
            base = Decimal(rng.randint(5, 299)) + rng.choice(PRICE_ENDINGS)
            in_stock = False
            colours: list[str] = []
            for position, options in enumerate(_variant_options(rng, top)):
                label = " / ".join(o["value"] for o in options)
                colours.extend(o["value"] for o in options if o["name"] == "Colour")
                surcharge = Decimal(rng.choice([0, 0, 0, 5, 10]))
                variant_rows.append(
                    {
                        "id": variant_id,
                        "product_id": product_id,
                        "sku": f"VT-{product_id:06d}-{position + 1:02d}",
                        "name": label,
                        "options": options,
                        "position": position,
                    }
                )
                price_rows.extend(prices_for(variant_id, base + surcharge))
                on_hand = 0 if rng.random() < 0.1 else rng.randint(1, 60)
                stock_rows.append({"variant_id": variant_id, "quantity_on_hand": on_hand, "quantity_allocated": 0})
                in_stock = in_stock or on_hand > 0
                variant_id += 1
            product_rows[-1]["in_stock"] = in_stock  # what `refresh_availability` would compute, without a pass
            values = attribute_rows(attribute_ids, product_id=product_id, name=name, colours=colours)
            value_rows.extend(values)
            labels[product_id] = _value_labels(attribute_ids, values)
            if staff_picks is not None and product_id % STAFF_PICK_EVERY == 0:
                pick_rows.append({"collection_id": staff_picks, "product_id": product_id, "position": pick_position})
                pick_position += 1
            for position in range(rng.randint(1, 4)):
                image_rows.append(
                    {
                        "id": image_id,
                        "product_id": product_id,
                        "url": f"https://picsum.photos/seed/{slug}-{position}/800/800",
                        "alt": f"{name}, view {position + 1}",
                        "position": position,
                    }
                )
                image_id += 1
            product_id += 1
        await _insert(conn, product_table, product_rows)
        await _insert(conn, variants, variant_rows)
        await _insert(conn, product_attributes, value_rows)
        await _insert(conn, collection_products, pick_rows)
        await _index_for_search(conn, product_rows, variant_rows, labels)
        await _insert(conn, stock, stock_rows)
        await _insert(conn, channel_prices, price_rows)
        await refresh_listings(conn, [row["id"] for row in product_rows])
        await _insert(conn, images, image_rows)
        if conn.dialect.name == "postgresql":
            for table in ("categories", "products", "product_variants", "product_images"):
                await conn.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
                )
    return SeedReport(categories=len(category_ids), products=len(product_rows), variants=len(variant_rows))


def _value_labels(ids: dict[str, dict[str, int]], values: list[dict[str, Any]]) -> list[str]:
    """Return the names of the choices among a product's attribute values (what search finds it by)."""
    names = {choice_id: name for choices in ids.values() for name, choice_id in choices.items() if name}
    return [names[v["choice_id"]] for v in values if v.get("choice_id") in names]


async def _index_for_search(
    conn: AsyncConnection,
    product_rows: list[dict[str, Any]],
    variant_rows: list[dict[str, Any]],
    labels: dict[int, list[str]],
) -> None:
    skus: dict[int, list[str]] = {row["id"]: [] for row in product_rows}
    for row in variant_rows:
        skus[row["product_id"]].append(row["sku"])
    documents: dict[int, str] = {}
    words: set[str] = set()
    for row in product_rows:
        product_skus = skus[row["id"]]
        product_labels = labels.get(row["id"], [])
        documents[row["id"]] = catalog_search.document_for(
            name=row["name"], description=row["description"], skus=product_skus, labels=product_labels
        )
        words |= catalog_search.vocabulary_for(name=row["name"], skus=product_skus, labels=product_labels)
    await catalog_search.write_documents(conn, documents, words, names={row["id"]: row["name"] for row in product_rows})


async def catalog_is_empty(database: Database) -> bool:
    """Tell whether the database has no products yet."""
    async with database.engine.connect() as conn:
        return not await conn.scalar(select(product_table.c.id).limit(1))
