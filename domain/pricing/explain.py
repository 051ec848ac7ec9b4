"""Breakdowns as plain sentences, so support can answer 'why this price' from a priced unit, line or order."""

from __future__ import annotations

from domain.pricing.amounts import show
from domain.pricing.breakdown import (
    Adjustment,
    AdjustmentKind,
    OrderPricing,
    PricedLine,
    PricedShipping,
    PricedUnit,
)
from domain.pricing.model import Percentage, PriceBasis, TaxClass, TaxedMoney

_SOURCES = {
    AdjustmentKind.CATALOGUE_PROMOTION: "promotion",
    AdjustmentKind.ORDER_PROMOTION: "order promotion",
    AdjustmentKind.VOUCHER: "voucher",
    AdjustmentKind.SHIPPING_THRESHOLD: "shipping threshold",
}


def _discount(adjustment: Adjustment) -> str:
    return f"- {show(adjustment.amount)} {adjustment.source_name} ({_SOURCES[adjustment.kind]} {adjustment.source_id})"


def _tax(total: TaxedMoney, *, basis: PriceBasis, tax_class: TaxClass, rate: Percentage) -> str:
    how = "included" if basis is PriceBasis.GROSS else "added"
    return f"Tax {tax_class} {rate}: {show(total.tax)} {how}"


def _total(total: TaxedMoney) -> str:
    return f"Total {show(total.gross)} (net {show(total.net)})"


def describe_unit(unit: PricedUnit) -> tuple[str, ...]:
    """Explain one unit's price: base, each catalogue promotion, tax, and the price with and without tax."""
    entered = "with tax" if unit.basis is PriceBasis.GROSS else "without tax"
    rows = [f"Base {show(unit.base)} (entered {entered})"]
    if unit.compare_at is not None:
        rows.append(f"Compare at {show(unit.compare_at.entered(unit.basis))}")
    rows += [_discount(a) for a in unit.adjustments]
    rows += [_tax(unit.price, basis=unit.basis, tax_class=unit.tax_class, rate=unit.tax_rate), _total(unit.price)]
    return tuple(rows)


def describe_line(line: PricedLine) -> tuple[str, ...]:
    """Explain a line: quantity times base, every discount with its source, tax, and total."""
    unit = line.unit
    rows = [f"{line.quantity} x {show(unit.base)} = {show(line.base)}"]
    rows += [_discount(a) for a in line.adjustments]
    rows += [_tax(line.total, basis=unit.basis, tax_class=unit.tax_class, rate=unit.tax_rate), _total(line.total)]
    return tuple(rows)


def describe_shipping(shipping: PricedShipping, basis: PriceBasis) -> tuple[str, ...]:
    """Explain the shipping charge: the method's rate, what took it off, tax, and total."""
    rows = [f"Shipping {shipping.method_name} {show(shipping.base)}"]
    rows += [_discount(a) for a in shipping.adjustments]
    rows += [_tax(shipping.total, basis=basis, tax_class=shipping.tax_class, rate=shipping.tax_rate)]
    return (*rows, _total(shipping.total))


def describe_order(pricing: OrderPricing) -> tuple[str, ...]:
    """Explain an order: each line, shipping, savings, removed codes and the grand total."""
    rows: list[str] = []
    for line in pricing.lines:
        rows += [f"Variant {line.variant_id}:", *(f"  {r}" for r in describe_line(line))]
    if pricing.shipping is not None:
        rows += describe_shipping(pricing.shipping, pricing.basis)
    if pricing.discounts:
        rows.append(f"You save {show(pricing.discount_total)}")
    rows += [f"Code {r.code} removed: {r.message} ({r.reason})" for r in pricing.removed_vouchers]
    rows += [f"Tax ({pricing.tax_country}) {show(pricing.tax)}", _total(pricing.total)]
    return tuple(rows)
