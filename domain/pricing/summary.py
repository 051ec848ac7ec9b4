"""A product's prices in short — what listings and product cards show — and the stored form that spares the engine.

`summarize` shortens what the engine computed. Listings ask for the same summaries again and again, and the engine
is most of a listing's cost (docs/performance.md), so a summary is also *stored* per product and channel, on the
channel's entered basis, when the product's prices are computed outside any request (`StoredPrices`). It holds
until the next moment a catalogue promotion of the channel starts or ends (`next_price_change`); a write that
changes what the engine would say — a price, a promotion, a product's category — marks it out of date. A stored
summary that holds gives, with the destination's tax rate, exactly the summary the engine gives now
(`from_stored`; tests/unit/pricing/test_summary.py checks the two agree); one that does not is never used: the
engine prices that product instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from domain.pricing.breakdown import PricedProduct, TaxedRange
from domain.pricing.model import Channel, Percentage, PriceBasis, TaxClass, TaxedMoney
from domain.pricing.promotions import CataloguePromotion
from domain.pricing.tax import apply_tax
from domain.shared.money import Money


class PriceSummary:
    """What a product's variants cost in a channel now: the range, the range before promotions, the best saving.

    The range before promotions may be given as a function that computes it: listings seldom ask for it."""

    __slots__ = ("_undiscounted", "channel", "max_discount", "on_sale", "price_range", "product_id")

    def __init__(
        self,
        *,
        product_id: int,
        channel: str,
        price_range: TaxedRange,
        undiscounted_range: TaxedRange | Callable[[], TaxedRange],
        on_sale: bool,
        max_discount: Money,
    ) -> None:
        self.product_id = product_id
        self.channel = channel
        self.price_range = price_range
        self._undiscounted = undiscounted_range
        self.on_sale = on_sale
        self.max_discount = max_discount

    @property
    def undiscounted_range(self) -> TaxedRange:
        found = self._undiscounted
        if not isinstance(found, TaxedRange):
            found = self._undiscounted = found()
        return found

    def _values(self) -> tuple[object, ...]:
        return (
            self.product_id,
            self.channel,
            self.price_range,
            self.undiscounted_range,
            self.on_sale,
            self.max_discount,
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PriceSummary) and self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        fields = ("product_id", "channel", "price_range", "undiscounted_range", "on_sale", "max_discount")
        shown = ", ".join(f"{name}={value!r}" for name, value in zip(fields, self._values(), strict=True))
        return f"PriceSummary({shown})"


def summarize(priced: PricedProduct) -> PriceSummary:
    """Return the summary of a product the engine priced."""
    units = priced.variants
    return PriceSummary(
        product_id=priced.product_id,
        channel=priced.channel,
        price_range=priced.price_range,
        undiscounted_range=priced.undiscounted_range,
        on_sale=any(unit.on_sale for unit in units),
        max_discount=max((unit.discount for unit in units), key=lambda m: m.amount),
    )


@dataclass(frozen=True, slots=True)
class StoredPrices:
    """A product's summary in a channel before tax (on the channel's entered basis), and until when it holds.

    `valid_until` is `None` when nothing scheduled would change it."""

    product_id: int
    channel: str
    start: Money
    stop: Money
    undiscounted_start: Money
    undiscounted_stop: Money
    on_sale: bool
    max_discount: Money
    valid_until: datetime | None
    tax_class: TaxClass  # the product's, as it is now: the stored amounts are before tax

    def holds_at(self, now: datetime) -> bool:
        return self.valid_until is None or now < self.valid_until


def to_stored(priced: PricedProduct, *, channel: Channel, valid_until: datetime | None) -> StoredPrices:
    """Return what to store of a product the engine priced in the channel."""
    summary, basis = summarize(priced), channel.basis
    return StoredPrices(
        product_id=priced.product_id,
        channel=priced.channel,
        start=summary.price_range.start.entered(basis),
        stop=summary.price_range.stop.entered(basis),
        undiscounted_start=summary.undiscounted_range.start.entered(basis),
        undiscounted_stop=summary.undiscounted_range.stop.entered(basis),
        on_sale=summary.on_sale,
        max_discount=summary.max_discount,
        valid_until=valid_until,
        tax_class=priced.variants[0].tax_class,
    )


def from_stored(stored: StoredPrices, *, basis: PriceBasis, rate: Percentage) -> PriceSummary:
    """Return the summary a stored one gives where the product's tax class is taxed at `rate`.

    The engine's prices are the entered amounts with tax applied, and the range's ends are chosen on the entered
    side, so applying the tax to the stored ends gives the engine's prices exactly. An amount that is the very
    object of another end (the reader shares equal amounts) is taxed once."""
    start = apply_tax(stored.start, rate=rate, basis=basis)
    stop = start if stored.stop is stored.start else apply_tax(stored.stop, rate=rate, basis=basis)

    def undiscounted() -> TaxedRange:
        def taxed(amount: Money) -> TaxedMoney:
            if amount is stored.start:
                return start
            return stop if amount is stored.stop else apply_tax(amount, rate=rate, basis=basis)

        return TaxedRange(taxed(stored.undiscounted_start), taxed(stored.undiscounted_stop))

    return PriceSummary(
        product_id=stored.product_id,
        channel=stored.channel,
        price_range=TaxedRange(start, stop),
        undiscounted_range=undiscounted,
        on_sale=stored.on_sale,
        max_discount=stored.max_discount,
    )


def next_price_change(promotions: Iterable[CataloguePromotion], *, channel: str, now: datetime) -> datetime | None:
    """Return the next moment after `now` a catalogue promotion of the channel starts or ends (`None`: never)."""
    moments = [
        moment
        for p in promotions
        if channel in p.channels
        for moment in (p.schedule.starts_at, p.schedule.ends_at)
        if moment is not None and moment > now
    ]
    return min(moments, default=None)
