"""Whole orders: the two end-to-end worked examples of docs/pricing.md, and their explanations."""

from __future__ import annotations

from domain.pricing.breakdown import Adjustment, AdjustmentKind, OrderPricing
from domain.pricing.engine import price_order, price_variant
from domain.pricing.explain import describe_order, describe_unit
from domain.pricing.inputs import PricingRules
from domain.pricing.model import ChannelPrice, FixedOff, Percentage, PercentageOff, Target, TaxClass, TaxedMoney
from domain.pricing.promotions import BuyXGetY, CataloguePromotion, FreeShippingOver, OrderPromotion, SpendThreshold
from domain.pricing.vouchers import Voucher
from tests.unit.pricing import UK, US, context, gbp, line, order, product, ship, usd

UK_SHIRT = line(gbp("30.00"), 2, variant_id=1, facts=product(1, categories=[1, 2]))
UK_TEA = line(gbp("4.50"), 4, variant_id=2, facts=product(2, categories=[5], tax_class=TaxClass.REDUCED))
UK_RULES = PricingRules(
    catalogue_promotions=(
        CataloguePromotion(
            id="summer",
            name="Summer sale",
            reward=PercentageOff(Percentage.of(20)),
            target=Target(category_ids=frozenset({2})),
            channels=frozenset({"uk"}),
        ),
    ),
    order_promotions=(
        OrderPromotion(
            id="spend-60",
            name="Spend 60, save 5%",
            rule=SpendThreshold(minimum=gbp("60"), reward=PercentageOff(Percentage.of(5))),
            channels=frozenset({"uk"}),
        ),
    ),
    vouchers=(Voucher(code="THANKYOU", name="Thank you", reward=FixedOff(gbp("3")), channels=frozenset({"uk"})),),
)


def uk_example() -> OrderPricing:
    return price_order(order(UK_SHIRT, UK_TEA, codes=["thankyou"], shipping=ship("uk-standard"), channel=UK), UK_RULES)


def test_the_uk_example_prices_every_step() -> None:
    pricing = uk_example()

    shirt, tea = pricing.lines
    assert (pricing.undiscounted_subtotal, pricing.subtotal) == (gbp("78.00"), gbp("66.00"))
    assert shirt.unit.price == TaxedMoney(net=gbp("20.00"), gross=gbp("24.00"))
    assert [a.amount for a in shirt.adjustments] == [gbp("12.00"), gbp("2.40"), gbp("2.18")]
    assert [a.amount for a in tea.adjustments] == [gbp("0.90"), gbp("0.82")]
    assert shirt.total == TaxedMoney(net=gbp("36.18"), gross=gbp("43.42"))
    assert tea.total == TaxedMoney(net=gbp("15.50"), gross=gbp("16.28"))
    assert pricing.shipping is not None
    assert pricing.shipping.total.gross == gbp("0.00")
    assert pricing.total == TaxedMoney(net=gbp("51.68"), gross=gbp("59.70"))
    assert pricing.tax == gbp("8.02")
    assert pricing.discount_total == gbp("21.29")


def test_the_uk_example_names_every_source_once_for_you_save() -> None:
    assert uk_example().discounts == (
        Adjustment(AdjustmentKind.CATALOGUE_PROMOTION, "summer", "Summer sale", gbp("12.00")),
        Adjustment(AdjustmentKind.ORDER_PROMOTION, "spend-60", "Spend 60, save 5%", gbp("3.30")),
        Adjustment(AdjustmentKind.VOUCHER, "THANKYOU", "Thank you", gbp("3.00")),
        Adjustment(AdjustmentKind.SHIPPING_THRESHOLD, "uk-standard", "Standard: free over 50.00", gbp("2.99")),
    )


def test_the_uk_example_explains_itself_for_support() -> None:
    assert describe_order(uk_example()) == (
        "Variant 1:",
        "  2 x GBP 30.00 = GBP 60.00",
        "  - GBP 12.00 Summer sale (promotion summer)",
        "  - GBP 2.40 Spend 60, save 5% (order promotion spend-60)",
        "  - GBP 2.18 Thank you (voucher THANKYOU)",
        "  Tax standard 20%: GBP 7.24 included",
        "  Total GBP 43.42 (net GBP 36.18)",
        "Variant 2:",
        "  4 x GBP 4.50 = GBP 18.00",
        "  - GBP 0.90 Spend 60, save 5% (order promotion spend-60)",
        "  - GBP 0.82 Thank you (voucher THANKYOU)",
        "  Tax reduced 5%: GBP 0.78 included",
        "  Total GBP 16.28 (net GBP 15.50)",
        "Shipping Standard GBP 2.99",
        "- GBP 2.99 Standard: free over 50.00 (shipping threshold uk-standard)",
        "Tax standard 20%: GBP 0.00 included",
        "Total GBP 0.00 (net GBP 0.00)",
        "You save GBP 21.29",
        "Tax (GB) GBP 8.02",
        "Total GBP 59.70 (net GBP 51.68)",
    )


def test_a_unit_explains_its_base_compare_at_promotions_and_tax() -> None:
    unit = uk_example().lines[0].unit

    assert describe_unit(unit) == (
        "Base GBP 30.00 (entered with tax)",
        "- GBP 6.00 Summer sale (promotion summer)",
        "Tax standard 20%: GBP 4.00 included",
        "Total GBP 24.00 (net GBP 20.00)",
    )


US_SHIRT = line(usd("40.00"), 2, variant_id=1, channel=US, facts=product(1, categories=[2]))
US_SOCKS = line(usd("6.00"), 3, variant_id=2, channel=US, facts=product(2, categories=[7]))
US_RULES = PricingRules(
    catalogue_promotions=(
        CataloguePromotion(
            id="shirts-25",
            name="Shirts 25% off",
            reward=PercentageOff(Percentage.of(25)),
            target=Target(category_ids=frozenset({2})),
            channels=frozenset({"us"}),
        ),
    ),
    order_promotions=(
        OrderPromotion(
            id="socks-3-for-2",
            name="Socks 3 for 2",
            rule=BuyXGetY(buy=2, get=1, target=Target(category_ids=frozenset({7}))),
            channels=frozenset({"us"}),
        ),
        OrderPromotion(
            id="free-ship-75",
            name="Free shipping over $75",
            rule=FreeShippingOver(minimum=usd("75")),
            channels=frozenset({"us"}),
        ),
    ),
    vouchers=(
        Voucher(
            code="SAVE10",
            name="$10 off $50",
            reward=FixedOff(usd("10")),
            channels=frozenset({"us"}),
            minimum_subtotal=usd("50"),
        ),
    ),
)


def test_the_us_example_adds_tax_to_net_prices() -> None:
    pricing = price_order(
        order(US_SHIRT, US_SOCKS, codes=["SAVE10"], shipping=ship("us-standard", channel=US), channel=US), US_RULES
    )

    shirt, socks = pricing.lines
    assert pricing.subtotal == usd("78.00")
    assert [a.amount for a in shirt.adjustments] == [usd("20.00"), usd("8.33")]
    assert [a.amount for a in socks.adjustments] == [usd("6.00"), usd("1.67")]
    assert shirt.total == TaxedMoney(net=usd("51.67"), gross=usd("56.26"))
    assert socks.total == TaxedMoney(net=usd("10.33"), gross=usd("11.25"))
    assert pricing.shipping is not None
    assert [a.source_id for a in pricing.shipping.adjustments] == ["free-ship-75"]
    assert pricing.total == TaxedMoney(net=usd("62.00"), gross=usd("67.51"))
    assert pricing.tax == usd("5.51")
    assert pricing.discount_total == usd("43.50")


def test_a_net_unit_explains_its_compare_at_price_and_the_tax_added() -> None:
    price = ChannelPrice(variant_id=1, channel="us", amount=usd("40.00"), compare_at=usd("50.00"))

    unit = price_variant(price=price, product=product(1), context=context(US))

    assert describe_unit(unit) == (
        "Base USD 40.00 (entered without tax)",
        "Compare at USD 50.00",
        "Tax standard 8.875%: USD 3.55 added",
        "Total USD 43.55 (net USD 40.00)",
    )
