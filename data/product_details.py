"""A product's variants, their stock and their prices in every channel, with what pricing needs to know about the
product, in one statement: the variants, stock and pricing loaders of a request share it."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from functools import cache
from typing import Any

import orjson
from sqlalchemy import Select, String, Text, cast, func, literal_column, select
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.elements import ColumnElement

from data.pricing_sql import PriceRows
from data.reads import RowSource
from data.sql_lists import any_of
from data.tables import channel_prices, collection_products, products, stock, variants
from data.types import Amount
from domain.catalog.model import ProductVariant, VariantOption
from domain.inventory.model import StockLevel
from domain.pricing.model import Channel, ChannelPrice, TaxClass
from domain.shared.money import Money

_AMOUNT = Amount()


# A variant's columns in the statement's rows, which are kept as read and read by position (two columns are named
# `product_id`; a listing reads ~100 variant rows, and copying each into an object cost more than the mapping).
_ID, _PRODUCT_ID, _SKU, _NAME = 4, 5, 6, 7
_OPTIONS = 8  # JSON text: decoded only when the variants are asked for
_POSITION, _ON_HAND, _ALLOCATED = 9, 10, 11
_PRICES = 12  # JSON [[channel, amount, compare-at], …]: decoded only when a channel's prices are


class ProductDetails:
    """What is stored about a product's variants, kept as read: each part is built only when it is asked for."""

    __slots__ = (
        "_amounts",
        "_dialect",
        "_rows",
        "_variants",
        "category_id",
        "collection_ids",
        "product_id",
        "tax_class",
    )

    def __init__(
        self,
        product_id: int,
        category_id: int | None,
        tax_class: TaxClass,
        collection_ids: frozenset[int],
        dialect: Dialect,
        amounts: dict[tuple[object, str], Money],
    ) -> None:
        self.product_id = product_id
        self.category_id = category_id
        self.tax_class = tax_class
        self.collection_ids = collection_ids  # hand-picked collections (rule collections are saved filters)
        self._dialect = dialect
        self._amounts = amounts  # shared by the products read together: prices repeat across variants and products
        self._rows: list[Sequence[Any]] = []  # the statement's rows of its variants
        self._variants: list[ProductVariant] | None = None

    def add(self, row: Sequence[Any]) -> None:
        self._rows.append(row)

    def variants(self) -> list[ProductVariant]:
        """Return the variants in display order."""
        if self._variants is None:
            self._variants = [
                ProductVariant(
                    id=row[_ID],
                    product_id=row[_PRODUCT_ID],
                    sku=row[_SKU],
                    name=row[_NAME],
                    options=tuple(VariantOption(o["name"], o["value"]) for o in _json(row[_OPTIONS])),
                    position=row[_POSITION],
                )
                for row in self._rows
            ]
        return self._variants

    def stock(self) -> list[StockLevel]:
        """Return each variant's stock level (none on hand where there is no stock row)."""
        return [StockLevel(r[_ID], r[_ON_HAND] or 0, r[_ALLOCATED] or 0) for r in self._rows]

    def price_rows(self, channel: Channel) -> PriceRows:
        """Return the product's pricing facts and its variants' prices in one channel."""
        currency = channel.currency
        prices = []
        for row in self._rows:
            for slug, amount, compare_at in orjson.loads(row[_PRICES]) if row[_PRICES] else ():
                if slug == channel.slug:
                    base = self._money(amount, currency)
                    compare = None if compare_at is None else self._money(compare_at, currency)
                    prices.append(ChannelPrice(row[_ID], slug, base, compare))
        return PriceRows(self.product_id, self.category_id, self.tax_class, tuple(prices), self.collection_ids)

    def _money(self, stored: object, currency: str) -> Money:
        """Return a stored amount (text on PostgreSQL, a scaled integer on SQLite) as money, decoding it once."""
        key = (stored, currency)
        found = self._amounts.get(key)
        if found is None:
            found = self._amounts[key] = Money.of(_amount(stored, self._dialect), currency)
        return found


def _json(value: str) -> list[dict[str, str]]:
    decoded: list[dict[str, str]] = orjson.loads(value)
    return decoded


def _prices_json(dialect: str) -> ColumnElement[Any]:
    """Each variant's prices in every channel, as a JSON array of [channel, amount, compare-at]."""
    if dialect == "postgresql":
        row = func.json_build_array(
            channel_prices.c.channel_slug, cast(channel_prices.c.amount, Text), cast(channel_prices.c.compare_at, Text)
        )
        rows: ColumnElement[Any] = cast(func.json_agg(row), Text)
    else:
        row = func.json_array(channel_prices.c.channel_slug, channel_prices.c.amount, channel_prices.c.compare_at)
        rows = func.json_group_array(row)
    return select(rows).where(channel_prices.c.variant_id == variants.c.id).scalar_subquery()


def _joined(dialect: str, values: ColumnElement[Any]) -> ColumnElement[Any]:
    """The values joined with commas, as one text."""
    join = func.string_agg if dialect == "postgresql" else func.group_concat
    return join(values, literal_column("','"))


def _amount(value: Any, dialect: Dialect) -> Decimal:
    found = _AMOUNT.process_result_value(value, dialect)
    assert found is not None
    return found


@cache
def _statement(dialect: str) -> Select[Any]:
    # Built once per dialect: building and keying the expression cost more than running it.
    in_collections = (
        # The separator as SQL text, not `aggregate_strings`'s literal parameter, which is rendered per execution.
        select(_joined(dialect, cast(collection_products.c.collection_id, String)))
        .where(collection_products.c.product_id == products.c.id)
        .scalar_subquery()
    )
    return (
        select(
            products.c.id.label("product_id"),
            products.c.tax_class,
            products.c.category_id,
            in_collections.label("collections"),
            variants.c.id,
            variants.c.product_id,
            variants.c.sku,
            variants.c.name,
            # As text on the wire: decoded later, if the variants are asked for (a JSON column would be decoded by
            # the driver for every row, ≈ 2 µs each, though listings never read it).
            cast(variants.c.options, Text).label("options"),
            variants.c.position,
            stock.c.quantity_on_hand,
            stock.c.quantity_allocated,
            _prices_json(dialect).label("prices"),
        )
        .select_from(products)
        .outerjoin(variants, variants.c.product_id == products.c.id)
        .outerjoin(stock, stock.c.variant_id == variants.c.id)
        .where(any_of(dialect, products.c.id, "product_ids"))
        .order_by(products.c.id, variants.c.position, variants.c.id)
    )


async def fetch_product_details(reads: RowSource, product_ids: Sequence[int]) -> dict[int, ProductDetails]:
    """Return the details of each product that exists, in one statement."""
    dialect = reads.dialect
    rows = await reads.rows(_statement(dialect.name), {"product_ids": list(product_ids)})
    found: dict[int, ProductDetails] = {}
    amounts: dict[tuple[object, str], Money] = {}
    # Read by position (the statement's column order): a listing's products have ~100 variant rows, and attribute
    # access by name costs more than the mapping.
    for row in rows:
        product_id = row[0]
        details = found.get(product_id)
        if details is None:
            tax_class, category_id, joined = row[1], row[2], row[3]
            collections = frozenset(int(c) for c in (joined or "").split(",") if c)
            details = ProductDetails(product_id, category_id, TaxClass(tax_class), collections, dialect, amounts)
            found[product_id] = details
        if row[_ID] is not None:  # None: a product without variants
            details.add(row)
    return found
