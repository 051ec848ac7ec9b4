"""What the engine returns: every price with the breakdown that explains it.

Amounts in a breakdown (`base`, each `Adjustment`) are on the channel's entered basis: gross where prices are
entered with tax, net where they are entered without. Totals are `TaxedMoney`, so both sides are always there.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.pricing.amounts import sum_money
from domain.pricing.model import Percentage, PriceBasis, TaxClass, TaxedMoney
from domain.shared.money import Money


class AdjustmentKind(StrEnum):
    CATALOGUE_PROMOTION = "catalogue_promotion"
    ORDER_PROMOTION = "order_promotion"
    VOUCHER = "voucher"
    SHIPPING_THRESHOLD = "shipping_threshold"


@dataclass(frozen=True, slots=True)
class Adjustment:
    """One discount taken off an amount, and the promotion, voucher or shipping rule it came from."""

    kind: AdjustmentKind
    source_id: str
    source_name: str
    amount: Money


def total_of(adjustments: tuple[Adjustment, ...], currency: str) -> Money:
    """Add up the amounts of some adjustments."""
    return sum_money((a.amount for a in adjustments), currency)


@dataclass(frozen=True, slots=True)
class PricedUnit:
    """One unit of a variant in a channel: entered price, catalogue promotions, and the price with tax."""

    variant_id: int
    channel: str
    basis: PriceBasis
    base: Money
    adjustments: tuple[Adjustment, ...]
    undiscounted: TaxedMoney
    price: TaxedMoney
    compare_at: TaxedMoney | None
    tax_class: TaxClass
    tax_rate: Percentage

    @property
    def discount(self) -> Money:
        """Return what the catalogue promotions take off one unit."""
        return total_of(self.adjustments, self.base.currency)

    @property
    def on_sale(self) -> bool:
        return bool(self.adjustments)


@dataclass(frozen=True, slots=True)
class TaxedRange:
    start: TaxedMoney
    stop: TaxedMoney


@dataclass(frozen=True, slots=True)
class PricedProduct:
    """Every variant of a product the channel sells, priced, with the cheapest and dearest of them."""

    product_id: int
    channel: str
    variants: tuple[PricedUnit, ...]
    price_range: TaxedRange
    undiscounted_range: TaxedRange


@dataclass(frozen=True, slots=True)
class PricedLine:
    """A line of an order: its unit, then every discount on the line in the order applied, then the total."""

    variant_id: int
    quantity: int
    unit: PricedUnit
    base: Money
    subtotal: Money
    adjustments: tuple[Adjustment, ...]
    total: TaxedMoney

    @property
    def discount(self) -> Money:
        return total_of(self.adjustments, self.base.currency)


@dataclass(frozen=True, slots=True)
class PricedShipping:
    method_id: str
    method_name: str
    base: Money
    adjustments: tuple[Adjustment, ...]
    total: TaxedMoney
    tax_class: TaxClass
    tax_rate: Percentage

    @property
    def discount(self) -> Money:
        return total_of(self.adjustments, self.base.currency)


@dataclass(frozen=True, slots=True)
class RemovedVoucher:
    """A code the shopper had applied that no longer holds, with the error code saying why."""

    code: str
    reason: str
    message: str


@dataclass(frozen=True, slots=True)
class OrderPricing:
    """A whole order priced: lines, order-level discounts, shipping, tax and total, each explained."""

    channel: str
    basis: PriceBasis
    tax_country: str
    lines: tuple[PricedLine, ...]
    undiscounted_subtotal: Money
    subtotal: Money
    discounts: tuple[Adjustment, ...]
    shipping: PricedShipping | None
    total: TaxedMoney
    applied_vouchers: tuple[str, ...]
    removed_vouchers: tuple[RemovedVoucher, ...]

    @property
    def currency(self) -> str:
        return self.subtotal.currency

    @property
    def tax(self) -> Money:
        return self.total.tax

    @property
    def discount_total(self) -> Money:
        """Return everything taken off, from catalogue promotions to free shipping: the 'you save' figure."""
        return total_of(self.discounts, self.currency)


def summarise(adjustments: tuple[Adjustment, ...]) -> tuple[Adjustment, ...]:
    """Merge adjustments from the same source into one, keeping the order of first appearance."""
    merged: dict[tuple[AdjustmentKind, str], Adjustment] = {}
    for adjustment in adjustments:
        key = (adjustment.kind, adjustment.source_id)
        seen = merged.get(key)
        merged[key] = (
            adjustment
            if seen is None
            else Adjustment(seen.kind, seen.source_id, seen.source_name, seen.amount + adjustment.amount)
        )
    return tuple(merged.values())
