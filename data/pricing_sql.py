"""Pricing's SQL and cache encodings: channels, channel prices with product facts, promotions, tax rates."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Select, Text, bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from data.batches import batched
from data.codecs import dumps
from data.reads import RowSource
from data.sql_lists import any_of
from data.tables import (
    PRICES_FOREVER,
    PRICES_STALE,
    catalogue_promotions,
    channel_prices,
    channels,
    product_channel_listings,
    products,
    tax_rates,
    variants,
)
from data.whole_tables_sql import Source, json_rows, utc_moment
from domain.catalog.model import CategoryTree
from domain.pricing.inputs import ProductInputs
from domain.pricing.model import (
    Channel,
    ChannelPrice,
    FixedOff,
    Percentage,
    PercentageOff,
    ProductFacts,
    Reward,
    Schedule,
    Target,
    TaxClass,
)
from domain.pricing.promotions import CataloguePromotion
from domain.pricing.summary import StoredPrices
from domain.pricing.tax import TaxRates
from domain.shared.money import Money

TARGET_FIELDS = ("product_ids", "variant_ids", "category_ids", "collection_ids")


async def fetch_channels(conn: AsyncConnection) -> list[Channel]:
    return to_channels(await conn.execute(select(channels)))


def to_channels(rows: Iterable[Any]) -> list[Channel]:
    """Return channels in display order."""
    ordered = sorted(rows, key=lambda r: (r.position, r.slug))
    return [Channel(r.slug, r.currency, r.default_country, r.prices_include_tax) for r in ordered]


def encode_channels(found: list[Channel]) -> bytes:
    return dumps([[c.slug, c.currency, c.default_country, c.prices_include_tax] for c in found])


def decode_channels(raw: bytes) -> list[Channel]:
    return [Channel(*row) for row in orjson.loads(raw)]


@dataclass(frozen=True, slots=True)
class PriceRows:
    """What is stored about a product for pricing; its category path is added from the current category tree."""

    product_id: int
    category_id: int | None
    tax_class: TaxClass
    prices: tuple[ChannelPrice, ...]
    collection_ids: frozenset[int] = frozenset()  # hand-picked collections (rule collections are saved filters)

    def inputs(self, tree: CategoryTree) -> ProductInputs:
        path = (
            frozenset()
            if self.category_id is None
            else frozenset([self.category_id, *(c.id for c in tree.ancestors(self.category_id))])
        )
        facts = ProductFacts(
            product_id=self.product_id,
            category_path=path,
            collection_ids=self.collection_ids,
            tax_class=self.tax_class,
        )
        return ProductInputs(facts=facts, prices=self.prices)


def encode_price_rows(found: PriceRows) -> bytes:
    prices = [
        [p.variant_id, p.channel, p.amount.amount, p.amount.currency, _amount(p.compare_at)] for p in found.prices
    ]
    return dumps([found.product_id, found.category_id, found.tax_class.value, prices, sorted(found.collection_ids)])


def _amount(money: Money | None) -> Decimal | None:
    return None if money is None else money.amount


def decode_price_rows(raw: bytes) -> PriceRows:
    product_id, category_id, tax_class, prices, collections = orjson.loads(raw)
    return PriceRows(
        product_id=product_id,
        category_id=category_id,
        tax_class=TaxClass(tax_class),
        prices=tuple(
            ChannelPrice(
                variant_id,
                channel,
                Money(Decimal(amount), currency),
                None if compare_at is None else Money(Decimal(compare_at), currency),
            )
            for variant_id, channel, amount, currency, compare_at in prices
        ),
        collection_ids=frozenset(collections),
    )


def _reward(values: Mapping[str, Any]) -> Reward:
    if values["reward_kind"] == "fixed":
        return FixedOff(Money.of(Decimal(values["reward_value"]), values["reward_currency"]))
    return PercentageOff(Percentage(Decimal(values["reward_value"])))


def _target(raw: dict[str, list[int]] | None) -> Target | None:
    if raw is None:
        return None
    return Target(**{name: frozenset(raw.get(name, ())) for name in TARGET_FIELDS})


def _moment(value: datetime | str | None) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def to_promotion(values: Mapping[str, Any]) -> CataloguePromotion:
    """Build a promotion from its stored values (a row's mapping, or the same values decoded from the cache)."""
    return CataloguePromotion(
        id=str(values["id"]),
        name=values["name"],
        reward=_reward(values),
        target=_target(values["target"]),
        channels=frozenset(values["channels"]),
        schedule=Schedule(starts_at=_moment(values["starts_at"]), ends_at=_moment(values["ends_at"])),
        priority=values["priority"],
        stackable=values["stackable"],
    )


async def fetch_promotions(conn: AsyncConnection) -> list[CataloguePromotion]:
    """Return every catalogue promotion that has not ended (the engine checks schedules against now)."""
    return to_promotions(await conn.execute(select(catalogue_promotions)))


def to_promotions(rows: Iterable[Any]) -> list[CataloguePromotion]:
    """Return promotions by id, from rows of the whole table."""
    return [to_promotion(row._asdict()) for row in sorted(rows, key=lambda r: r.id)]


def promotion_values(promotion: CataloguePromotion) -> dict[str, Any]:
    """Return the row values that store a promotion."""
    reward = promotion.reward
    target = promotion.target
    return {
        "name": promotion.name,
        "reward_kind": "fixed" if isinstance(reward, FixedOff) else "percentage",
        "reward_value": reward.amount.amount if isinstance(reward, FixedOff) else reward.percent.value,
        "reward_currency": reward.amount.currency if isinstance(reward, FixedOff) else None,
        "channels": sorted(promotion.channels),
        "target": None if target is None else {name: sorted(getattr(target, name)) for name in TARGET_FIELDS},
        "starts_at": promotion.schedule.starts_at,
        "ends_at": promotion.schedule.ends_at,
        "priority": promotion.priority,
        "stackable": promotion.stackable,
    }


def encode_promotions(found: list[CataloguePromotion]) -> bytes:
    return dumps([{"id": p.id, **promotion_values(p)} for p in found])


def decode_promotions(raw: bytes) -> list[CataloguePromotion]:
    return [to_promotion(values) for values in orjson.loads(raw)]


async def fetch_tax_rates(conn: AsyncConnection) -> list[TaxRates]:
    return to_tax_rates(await conn.execute(select(tax_rates)))


def to_tax_rates(rows: Iterable[Any]) -> list[TaxRates]:
    """Return each country's rates, from rows of (country, tax class, rate)."""
    by_country: dict[str, dict[str, Decimal]] = {}
    for row in rows:
        by_country.setdefault(row.country, {})[row.tax_class] = row.rate
    return [
        TaxRates(
            country=country,
            standard=Percentage(rates.get("standard", Decimal(0))),
            reduced=Percentage(rates.get("reduced", rates.get("standard", Decimal(0)))),
            zero=Percentage(rates.get("zero", Decimal(0))),
        )
        for country, rates in sorted(by_country.items())
    ]


def encode_tax_rates(found: list[TaxRates]) -> bytes:
    return dumps([[r.country, r.standard.value, r.reduced.value, r.zero.value] for r in found])


def decode_tax_rates(raw: bytes) -> list[TaxRates]:
    return [
        TaxRates(country, Percentage(Decimal(s)), Percentage(Decimal(r)), Percentage(Decimal(z)))
        for country, s, r, z in orjson.loads(raw)
    ]


async def refresh_listings(conn: AsyncConnection, product_ids: Sequence[int]) -> None:
    """Recompute the products' lowest price per channel (what listings filter and sort by)."""
    for chunk in batched(product_ids):
        await conn.execute(delete(product_channel_listings).where(product_channel_listings.c.product_id.in_(chunk)))
        lowest = (
            select(variants.c.product_id, channel_prices.c.channel_slug, func.min(channel_prices.c.amount))
            .join(variants, variants.c.id == channel_prices.c.variant_id)
            .where(variants.c.product_id.in_(chunk))
            .group_by(variants.c.product_id, channel_prices.c.channel_slug)
        )
        await conn.execute(
            product_channel_listings.insert().from_select(["product_id", "channel_slug", "min_price"], lowest)
        )


async def fetch_next_change(conn: AsyncConnection, now: datetime) -> datetime | None:
    """Return when a price or listing next changes by itself: a promotion starts or ends, a product goes live."""
    moments = [
        select(func.min(catalogue_promotions.c.starts_at)).where(catalogue_promotions.c.starts_at > now),
        select(func.min(catalogue_promotions.c.ends_at)).where(catalogue_promotions.c.ends_at > now),
        select(func.min(products.c.published_at)).where(products.c.published_at > now),
    ]
    found = [(await conn.execute(statement)).scalar() for statement in moments]
    upcoming = [m if m.tzinfo else m.replace(tzinfo=UTC) for m in found if m is not None]
    return min(upcoming, default=None)


# Stored price summaries (`domain.pricing.summary.StoredPrices`), beside each product's lowest price per channel.

_listings = product_channel_listings.c
_STORED_COLUMNS = (
    _listings.product_id,
    _listings.channel_slug,
    _listings.price_start,
    _listings.price_stop,
    _listings.undiscounted_start,
    _listings.undiscounted_stop,
    _listings.on_sale,
    _listings.max_discount,
    _listings.prices_valid_until,
    products.c.tax_class,
)


@cache
def _stored_statement(dialect: str) -> Select[Any]:
    return (
        select(*_STORED_COLUMNS)
        .join(products, products.c.id == _listings.product_id)
        .where(any_of(dialect, _listings.product_id, "product_ids"), _listings.channel_slug == bindparam("channel"))
    )


StoredRow = tuple[Any, ...]  # product id, channel slug, then `_STORED_COLUMNS`' others in order
_LISTED_STORED = Source(product_channel_listings, tuple(c.name for c in _STORED_COLUMNS[2:-1]))


def listed_stored_prices() -> list[ColumnElement[Any]]:
    """Return columns of a listing's statement (PostgreSQL): each listed product's stored summary in the channel
    bound as `prices_channel`, as JSON text (null where it has no listing there), and its tax class (`stored_row`).
    """
    stored = json_rows("postgresql", _LISTED_STORED).where(
        _listings.product_id == products.c.id, _listings.channel_slug == bindparam("prices_channel", type_=Text)
    )
    return [
        stored.correlate(products).scalar_subquery().label("stored_prices"),
        products.c.tax_class.label("stored_tax_class"),
    ]


def stored_row(product_id: int, channel: str, text: str | None, tax_class: str) -> StoredRow | None:
    """Return one listed product's `listed_stored_prices` as a row of `fetch_stored_rows`, or `None`.

    Decoded here rather than by `rows_of`: a page decodes one per product, and the general decoder's per-column
    converters cost more than the statement saved (docs/performance.md)."""
    if text is None:
        return None
    ((start, stop, undiscounted_start, undiscounted_stop, on_sale, discount, until),) = orjson.loads(text)
    return (
        product_id,
        channel,
        *(None if a is None else Decimal(a) for a in (start, stop, undiscounted_start, undiscounted_stop)),
        on_sale,
        None if discount is None else Decimal(discount),
        utc_moment(until),
        tax_class,
    )


async def fetch_stored_rows(reads: RowSource, product_ids: Sequence[int], channel: str) -> list[StoredRow]:
    """Return the rows of the products' stored price summaries in the channel, where they have a listing."""
    found = await reads.rows(
        _stored_statement(reads.dialect.name), {"product_ids": list(product_ids), "channel": channel}
    )
    return [tuple(row) for row in found]


def to_stored_prices(rows: Iterable[StoredRow], currency: str) -> dict[int, StoredPrices]:
    """Return the stored price summaries of rows of `fetch_stored_rows`, where one was stored (held or not)."""
    found: dict[int, StoredPrices] = {}
    money: dict[object, Money] = {}  # amounts repeat across a page's products (a product's range ends, most often)
    known = money.get  # looked up in line, five times per product; `Money` is always true

    def of(amount: Decimal) -> Money:
        made = money[amount] = Money.of(amount, currency)
        return made

    for row in rows:
        product_id, slug, start, stop, undiscounted_start, undiscounted_stop, on_sale, discount, until, tax = row
        if start is None or stop is None or undiscounted_start is None or undiscounted_stop is None or discount is None:
            continue  # not stored: out of date, or nothing to store
        found[product_id] = StoredPrices(
            product_id=product_id,
            channel=slug,
            start=known(start) or of(start),
            stop=known(stop) or of(stop),
            undiscounted_start=known(undiscounted_start) or of(undiscounted_start),
            undiscounted_stop=known(undiscounted_stop) or of(undiscounted_stop),
            on_sale=bool(on_sale),
            max_discount=known(discount) or of(discount),
            valid_until=None if until >= PRICES_FOREVER else until,
            tax_class=_TAX_CLASSES[tax],
        )
    return found


_TAX_CLASSES: dict[str, TaxClass] = {c.value: c for c in TaxClass}  # a lookup costs less than the enum's call


async def lock_stale_prices(conn: AsyncConnection, now: datetime, limit: int) -> list[tuple[int, str]]:
    """Lock and return up to `limit` (product, channel) whose stored prices are missing or no longer hold, the
    longest out of date first; rows another transaction holds are skipped (PostgreSQL), not waited for."""
    statement = (
        select(_listings.product_id, _listings.channel_slug)
        .where(_listings.prices_valid_until <= now)
        .order_by(_listings.prices_valid_until, _listings.product_id, _listings.channel_slug)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return [(row.product_id, row.channel_slug) for row in await conn.execute(statement)]


async def store_prices(
    conn: AsyncConnection, stored: Sequence[StoredPrices], unpriced: Sequence[tuple[int, str]] = ()
) -> None:
    """Store price summaries, and nothing (for good, until the row is written again) for `unpriced` rows."""
    where = (_listings.product_id == bindparam("key_product")) & (_listings.channel_slug == bindparam("key_channel"))
    values = [
        {
            "key_product": s.product_id,
            "key_channel": s.channel,
            "price_start": s.start.amount,
            "price_stop": s.stop.amount,
            "undiscounted_start": s.undiscounted_start.amount,
            "undiscounted_stop": s.undiscounted_stop.amount,
            "on_sale": s.on_sale,
            "max_discount": s.max_discount.amount,
            "prices_valid_until": PRICES_FOREVER if s.valid_until is None else s.valid_until,
        }
        for s in stored
    ]
    values += [
        {
            "key_product": product_id,
            "key_channel": channel,
            "price_start": None,
            "price_stop": None,
            "undiscounted_start": None,
            "undiscounted_stop": None,
            "on_sale": None,
            "max_discount": None,
            "prices_valid_until": PRICES_FOREVER,
        }
        for product_id, channel in unpriced
    ]
    if values:
        await conn.execute(update(product_channel_listings).where(where), values)


async def mark_prices_stale(
    conn: AsyncConnection, *, product_ids: Sequence[int] | None = None, channels: Iterable[str] | None = None
) -> None:
    """Mark the stored prices of some products (or of every product in some channels) out of date."""
    statement = update(product_channel_listings).values(prices_valid_until=PRICES_STALE)
    if channels is not None:
        await conn.execute(statement.where(_listings.channel_slug.in_(sorted(channels))))
    for chunk in batched(list(product_ids or ())):
        await conn.execute(statement.where(_listings.product_id.in_(chunk)))
