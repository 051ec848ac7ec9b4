"""Prices as shoppers see them: with and without tax, each discount with its source, and why."""

from __future__ import annotations

from decimal import Decimal
from enum import Enum

import strawberry

from domain.pricing import breakdown
from domain.pricing import model as pricing
from domain.pricing.explain import describe_unit
from domain.pricing.summary import PriceSummary
from schema.types.money import Money


@strawberry.type(description="A sales channel: where a storefront sells, in which currency.")
class Channel:
    slug: str = strawberry.field(description="The channel's handle, passed as `channel` to price fields.")
    currency: str = strawberry.field(description="The ISO 4217 currency of every price in the channel.")
    default_country: str = strawberry.field(description="The country taxes are computed for by default.")
    prices_include_tax: bool = strawberry.field(description="Whether prices are entered with tax (gross).")

    @classmethod
    def from_domain(cls, channel: pricing.Channel) -> Channel:
        return cls(
            slug=channel.slug,
            currency=channel.currency,
            default_country=channel.default_country,
            prices_include_tax=channel.prices_include_tax,
        )


@strawberry.type(description="An amount with and without tax.")
class TaxedMoney:
    net: Money = strawberry.field(description="Without tax.")
    gross: Money = strawberry.field(description="With tax.")
    taxed: strawberry.Private[pricing.TaxedMoney]

    # Fields that are seldom asked for are resolvers, computed only when selected; the others are built up front,
    # which costs less than a resolver call (docs/performance.md).
    @strawberry.field(description="The tax: gross minus net.")
    def tax(self) -> Money:
        return Money.from_domain(self.taxed.tax)

    @classmethod
    def from_domain(cls, taxed: pricing.TaxedMoney) -> TaxedMoney:
        return cls(net=Money.from_domain(taxed.net), gross=Money.from_domain(taxed.gross), taxed=taxed)


@strawberry.type(description="The lowest and highest of some prices, with and without tax.")
class TaxedMoneyRange:
    start: TaxedMoney = strawberry.field(description="The lowest.")
    stop: TaxedMoney = strawberry.field(description="The highest.")

    @classmethod
    def from_domain(cls, taxed: breakdown.TaxedRange) -> TaxedMoneyRange:
        return cls(start=TaxedMoney.from_domain(taxed.start), stop=TaxedMoney.from_domain(taxed.stop))


@strawberry.enum(description="What took money off a price.")
class AdjustmentKind(Enum):
    CATALOGUE_PROMOTION = "catalogue_promotion"
    ORDER_PROMOTION = "order_promotion"
    VOUCHER = "voucher"
    SHIPPING_THRESHOLD = "shipping_threshold"
    FREE_SHIPPING = strawberry.enum_value(
        "free_shipping", deprecation_reason="Never sent: free shipping is SHIPPING_THRESHOLD (since 2026-11-25)."
    )


@strawberry.type(description="One discount in a price's breakdown, with where it came from.")
class PriceAdjustment:
    kind: AdjustmentKind = strawberry.field(description="What kind of rule gave it.")
    source_id: str = strawberry.field(description="The rule's ID (a promotion's ID or a voucher's code).")
    source_name: str = strawberry.field(description="The rule's name, to show shoppers.")
    amount: Money = strawberry.field(description="What it took off, on the channel's entered basis.")

    @classmethod
    def from_domain(cls, adjustment: breakdown.Adjustment) -> PriceAdjustment:
        return cls(
            kind=AdjustmentKind(adjustment.kind.value),
            source_id=adjustment.source_id,
            source_name=adjustment.source_name,
            amount=Money.from_domain(adjustment.amount),
        )


def _undiscounted(root: VariantPricing) -> TaxedMoney:
    return TaxedMoney.from_domain(root.unit.undiscounted)


def _compare_at(root: VariantPricing) -> TaxedMoney | None:
    return TaxedMoney.from_domain(root.unit.compare_at) if root.unit.compare_at else None


def _discount(root: VariantPricing) -> Money:
    return Money.from_domain(root.unit.discount)


def _adjustments(root: VariantPricing) -> list[PriceAdjustment]:
    return [PriceAdjustment.from_domain(a) for a in root.unit.adjustments]


def _explanation(root: VariantPricing) -> list[str]:
    return list(describe_unit(root.unit))


@strawberry.type(description="What one unit of a variant costs in a channel now, and why.")
class VariantPricing:
    channel: str = strawberry.field(description="The channel priced in.")
    price: TaxedMoney = strawberry.field(description="What a shopper pays now, after catalogue promotions.")
    undiscounted: TaxedMoney = strawberry.field(resolver=_undiscounted, description="The price before any promotion.")
    compare_at: TaxedMoney | None = strawberry.field(
        resolver=_compare_at, description="A reference price to show struck through."
    )
    on_sale: bool = strawberry.field(description="Whether a promotion lowers the price now.")
    discount: Money = strawberry.field(
        resolver=_discount, description="What the promotions take off, on the entered basis."
    )
    base: Money = strawberry.field(description="The entered price, before promotions.")
    adjustments: list[PriceAdjustment] = strawberry.field(
        resolver=_adjustments, description="Each promotion applied, in order."
    )
    tax_class: str = strawberry.field(description="The tax class: standard, reduced or zero.")
    tax_rate: Decimal = strawberry.field(description="The tax rate applied, in percent.")
    explanation: list[str] = strawberry.field(
        resolver=_explanation, description="The breakdown in words, for support and debugging."
    )
    unit: strawberry.Private[breakdown.PricedUnit]

    @classmethod
    def from_domain(cls, unit: breakdown.PricedUnit) -> VariantPricing:
        return cls(
            channel=unit.channel,
            price=TaxedMoney.from_domain(unit.price),
            on_sale=unit.on_sale,
            base=Money.from_domain(unit.base),
            tax_class=unit.tax_class.value,
            tax_rate=unit.tax_rate.value,
            unit=unit,
        )


@strawberry.type(description="What a product's variants cost in a channel now.")
class ProductPricing:
    channel: str = strawberry.field(description="The channel priced in.")
    price_range: TaxedMoneyRange = strawberry.field(description="From the cheapest to the dearest variant, now.")
    summary: strawberry.Private[PriceSummary]

    @strawberry.field(description="The same before promotions.")
    def price_range_undiscounted(self) -> TaxedMoneyRange:
        return TaxedMoneyRange.from_domain(self.summary.undiscounted_range)

    @strawberry.field(description="Whether a promotion lowers any variant's price now.")
    def on_sale(self) -> bool:
        return self.summary.on_sale

    @strawberry.field(description="The largest saving on one variant, on the entered basis.")
    def max_discount(self) -> Money:
        return Money.from_domain(self.summary.max_discount)

    @classmethod
    def from_domain(cls, summary: PriceSummary) -> ProductPricing:
        return cls(
            channel=summary.channel,
            price_range=TaxedMoneyRange.from_domain(summary.price_range),
            summary=summary,
        )
