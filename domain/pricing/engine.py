"""The pricing engine: the one place that computes a price a shopper sees.

Order of operations (docs/pricing.md): catalogue promotions per unit -> line subtotals -> order promotions ->
vouchers -> shipping -> tax per line -> totals. Everything is on the channel's entered basis until tax.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from domain.pricing.amounts import sum_money
from domain.pricing.breakdown import (
    Adjustment,
    AdjustmentKind,
    OrderPricing,
    PricedLine,
    PricedShipping,
    summarise,
)
from domain.pricing.catalogue import price_product, price_products, price_variant
from domain.pricing.errors import VOUCHER_ERRORS, VoucherAlreadyApplied, VoucherNotFound
from domain.pricing.inputs import (
    NO_RULES,
    OrderLineInput,
    OrderRequest,
    PricingContext,
    PricingRules,
    ShippingChoice,
)
from domain.pricing.model import Channel, TaxedMoney
from domain.pricing.order_discounts import (
    DraftLine,
    apply_order_promotions,
    free_shipping_promotions,
    live_order_promotions,
    remaining_total,
)
from domain.pricing.promotions import CataloguePromotion, OrderPromotion
from domain.pricing.shipping import ShippingMethod, ShippingQuote, quote_method, quote_methods
from domain.pricing.stacking import canonical
from domain.pricing.tax import apply_tax
from domain.pricing.vouchers import apply_codes, normalize_code
from domain.shared.money import Money

__all__ = [
    "add_voucher_code",
    "price_order",
    "price_product",
    "price_products",
    "price_variant",
    "require_voucher",
    "shipping_options",
]


def _draft(line: OrderLineInput, context: PricingContext, promotions: Sequence[CataloguePromotion]) -> DraftLine:
    unit = price_variant(price=line.price, product=line.product, context=context, promotions=promotions)
    unit_price = unit.price.entered(unit.basis)
    return DraftLine(
        variant_id=line.price.variant_id,
        product=line.product,
        quantity=line.quantity,
        unit_price=unit_price,
        remaining=unit_price * line.quantity,
        adjustments=tuple(replace(a, amount=a.amount * line.quantity) for a in unit.adjustments),
        unit=unit,
    )


def price_order(request: OrderRequest, rules: PricingRules = NO_RULES) -> OrderPricing:
    """Price a whole order: lines, order promotions, vouchers, shipping, tax and total, each explained."""
    context = request.context
    channel, currency = context.channel, context.channel.currency
    catalogue = canonical(rules.catalogue_promotions)
    drafts = tuple(_draft(line, context, catalogue) for line in request.lines)
    subtotal = remaining_total(drafts, currency)
    live = live_order_promotions(rules.order_promotions, channel=channel, now=context.now)
    drafts = apply_order_promotions(drafts, live=live, subtotal=subtotal)
    drafts, applied, removed = apply_codes(
        drafts,
        codes=request.voucher_codes,
        vouchers=rules.vouchers,
        usage=rules.voucher_usage,
        channel=channel,
        now=context.now,
        subtotal=subtotal,
        customer_id=request.customer_id,
    )
    weight = sum(line.weight_grams * line.quantity for line in request.lines)
    shipping = _price_shipping(request.shipping, context=context, live=live, subtotal=subtotal, weight_grams=weight)
    lines = tuple(_priced_line(draft) for draft in drafts)
    return OrderPricing(
        channel=channel.slug,
        basis=channel.basis,
        tax_country=context.tax_rates.country,
        lines=lines,
        undiscounted_subtotal=sum_money((line.base for line in lines), currency),
        subtotal=subtotal,
        discounts=summarise(tuple(_all_adjustments(lines, shipping))),
        shipping=shipping,
        total=_total(lines, shipping, currency),
        applied_vouchers=applied,
        removed_vouchers=removed,
    )


def _all_adjustments(lines: tuple[PricedLine, ...], shipping: PricedShipping | None) -> list[Adjustment]:
    adjustments = [a for line in lines for a in line.adjustments]
    return adjustments + ([] if shipping is None else list(shipping.adjustments))


def _total(lines: tuple[PricedLine, ...], shipping: PricedShipping | None, currency: str) -> TaxedMoney:
    charged = [line.total for line in lines] + ([] if shipping is None else [shipping.total])
    return TaxedMoney(
        net=sum_money((t.net for t in charged), currency), gross=sum_money((t.gross for t in charged), currency)
    )


def _priced_line(draft: DraftLine) -> PricedLine:
    unit = draft.unit
    return PricedLine(
        variant_id=draft.variant_id,
        quantity=draft.quantity,
        unit=unit,
        base=unit.base * draft.quantity,
        subtotal=draft.unit_price * draft.quantity,
        adjustments=draft.adjustments,
        total=apply_tax(draft.remaining, rate=unit.tax_rate, basis=unit.basis),
    )


def shipping_options(
    methods: Sequence[ShippingMethod], *, channel: Channel, subtotal: Money, weight_grams: int
) -> tuple[ShippingQuote, ...]:
    """Return the methods the shopper may pick for an order of this subtotal and weight, with their rates."""
    for method in methods:
        channel.require_currency(method.bands[0].price, what=f"Shipping method {method.id!r}")
    return quote_methods(methods, subtotal=subtotal, weight_grams=weight_grams)


def _price_shipping(
    choice: ShippingChoice | None,
    *,
    context: PricingContext,
    live: tuple[OrderPromotion, ...],
    subtotal: Money,
    weight_grams: int,
) -> PricedShipping | None:
    if choice is None:
        return None
    channel = context.channel
    shipping_options(choice.methods, channel=channel, subtotal=subtotal, weight_grams=weight_grams)
    quote = quote_method(
        choice.methods,
        method_id=choice.method_id,
        country=choice.destination.country,
        subtotal=subtotal,
        weight_grams=weight_grams,
    )
    method, remaining = quote.method, quote.price
    adjustments: list[Adjustment] = []
    if method.free_over is not None and method.free_over <= subtotal and remaining.amount > 0:
        name = f"{method.name}: free over {method.free_over.amount}"
        adjustments.append(Adjustment(AdjustmentKind.SHIPPING_THRESHOLD, method.id, name, remaining))
        remaining = Money.zero(channel.currency)
    for promotion in free_shipping_promotions(live, subtotal=subtotal):
        if remaining.amount > 0:
            adjustments.append(Adjustment(AdjustmentKind.ORDER_PROMOTION, promotion.id, promotion.name, remaining))
            remaining = Money.zero(channel.currency)
    rate = context.tax_rates.rate(method.tax_class)
    return PricedShipping(
        method_id=method.id,
        method_name=method.name,
        base=quote.price,
        adjustments=tuple(adjustments),
        total=apply_tax(remaining, rate=rate, basis=channel.basis),
        tax_class=method.tax_class,
        tax_rate=rate,
    )


def add_voucher_code(codes: Sequence[str], code: str) -> tuple[str, ...]:
    """Return a cart's codes with one more, refusing an empty code or one already applied."""
    normalized = normalize_code(code)
    if not normalized:
        raise VoucherNotFound("Enter a code.", field="code")
    if normalized in {normalize_code(c) for c in codes}:
        raise VoucherAlreadyApplied(f"Code {normalized} is already applied.", field="code")
    return (*codes, normalized)


def require_voucher(pricing: OrderPricing, code: str) -> None:
    """Raise the error that removed a code from a priced order, if the engine removed it."""
    normalized = normalize_code(code)
    for removed in pricing.removed_vouchers:
        if removed.code == normalized:
            raise VOUCHER_ERRORS[removed.reason](removed.message, field="code")
