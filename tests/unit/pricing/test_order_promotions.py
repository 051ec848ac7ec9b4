"""Order promotions: the worked examples of docs/pricing.md on a `uk` cart of 2 x £20.00 and 3 x £5.00."""

from __future__ import annotations

import pytest

from domain.pricing.breakdown import Adjustment, AdjustmentKind
from domain.pricing.engine import price_order
from domain.pricing.errors import ChannelCurrencyMismatch, InvalidPromotionRule
from domain.pricing.inputs import PricingRules
from domain.pricing.model import FixedOff, Percentage, PercentageOff, Schedule, Target
from domain.pricing.promotions import BuyXGetY, FreeShippingOver, OrderPromotion, OrderRule, SpendThreshold
from tests.unit.pricing import YESTERDAY, eur, gbp, line, order, product, ship

JACKET = line(gbp("20.00"), 2, variant_id=1, facts=product(1, categories=[10]))
SOCKS = line(gbp("5.00"), 3, variant_id=2, facts=product(2, categories=[20]))


def promo(
    promotion_id: str, rule: OrderRule, *, priority: int = 0, stackable: bool = False, schedule: Schedule | None = None
) -> OrderPromotion:
    return OrderPromotion(
        id=promotion_id,
        name=promotion_id.replace("-", " ").title(),
        rule=rule,
        channels=frozenset({"uk"}),
        schedule=schedule or Schedule(),
        priority=priority,
        stackable=stackable,
    )


def spend(minimum: str, percent: str) -> SpendThreshold:
    return SpendThreshold(minimum=gbp(minimum), reward=PercentageOff(Percentage.of(percent)))


SOCKS_ONLY = Target(product_ids=frozenset({2}))
CASES = [
    ("no promotion", [], "55.00", ["0.00", "0.00"]),
    ("spend 50 get 10% off", [promo("spend-50", spend("50", "10"))], "49.50", ["4.00", "1.50"]),
    ("spend 60 get 10% off: not met", [promo("spend-60", spend("60", "10"))], "55.00", ["0.00", "0.00"]),
    ("the threshold is inclusive", [promo("spend-55", spend("55", "10"))], "49.50", ["4.00", "1.50"]),
    (
        "spend 50 get 10.00 off, split by value",
        [promo("tenner", SpendThreshold(minimum=gbp("50"), reward=FixedOff(gbp("10"))))],
        "45.00",
        ["7.27", "2.73"],
    ),
    ("buy 2 get 1 free: the cheapest unit", [promo("b2g1", BuyXGetY(buy=2, get=1))], "50.00", ["0.00", "5.00"]),
    (
        "buy 1 get 1 free on socks: 3 socks, 1 free",
        [promo("bogof", BuyXGetY(buy=1, get=1, target=SOCKS_ONLY))],
        "50.00",
        ["0.00", "5.00"],
    ),
    (
        "buy 1 get 3 free: 5 units make one group of 4, the 3 cheapest free",
        [promo("b1g3", BuyXGetY(buy=1, get=3))],
        "40.00",
        ["0.00", "15.00"],
    ),
    (
        "buy 1 get 4 free: all 5 units, the 4 cheapest free",
        [promo("b1g4", BuyXGetY(buy=1, get=4))],
        "20.00",
        ["20.00", "15.00"],
    ),
    (
        "the best exclusive wins",
        [promo("spend-50", spend("50", "10")), promo("b2g1", BuyXGetY(buy=2, get=1))],
        "49.50",
        ["4.00", "1.50"],
    ),
    (
        "stackables together beat an exclusive that saves less",
        [
            promo("spend-50", spend("50", "10")),
            promo("b2g1", BuyXGetY(buy=2, get=1), priority=1, stackable=True),
            promo("two-off", SpendThreshold(minimum=gbp("50"), reward=FixedOff(gbp("2"))), stackable=True),
        ],
        "48.00",
        ["1.60", "5.40"],
    ),
    (
        "an expired promotion is ignored",
        [promo("old", spend("0", "50"), schedule=Schedule(ends_at=YESTERDAY))],
        "55.00",
        ["0.00", "0.00"],
    ),
]


@pytest.mark.parametrize(("case", "promotions", "total", "line_discounts"), CASES, ids=[c[0] for c in CASES])
def test_order_promotion_examples(
    case: str, promotions: list[OrderPromotion], total: str, line_discounts: list[str]
) -> None:
    pricing = price_order(order(JACKET, SOCKS), PricingRules(order_promotions=tuple(promotions)))

    assert pricing.subtotal == gbp("55.00")
    assert pricing.total.gross == gbp(total)
    assert [ln.discount for ln in pricing.lines] == [gbp(d) for d in line_discounts]


def test_order_promotions_are_recorded_on_the_lines_and_summed_per_source() -> None:
    rules = PricingRules(
        order_promotions=(
            promo("b2g1", BuyXGetY(buy=2, get=1), priority=1, stackable=True),
            promo("two-off", SpendThreshold(minimum=gbp("50"), reward=FixedOff(gbp("2"))), stackable=True),
        )
    )

    pricing = price_order(order(JACKET, SOCKS), rules)

    assert pricing.lines[1].adjustments == (
        Adjustment(AdjustmentKind.ORDER_PROMOTION, "b2g1", "B2G1", gbp("5.00")),
        Adjustment(AdjustmentKind.ORDER_PROMOTION, "two-off", "Two Off", gbp("0.40")),
    )
    assert pricing.discounts == (
        Adjustment(AdjustmentKind.ORDER_PROMOTION, "two-off", "Two Off", gbp("2.00")),
        Adjustment(AdjustmentKind.ORDER_PROMOTION, "b2g1", "B2G1", gbp("5.00")),
    )
    assert pricing.discount_total == gbp("7.00")


@pytest.mark.parametrize(("minimum", "shipping", "sources"), [("50", "0.00", ["free-over-50"]), ("60", "6.00", [])])
def test_free_shipping_over_a_threshold_takes_the_whole_rate_off(
    minimum: str, shipping: str, sources: list[str]
) -> None:
    rules = PricingRules(order_promotions=(promo(f"free-over-{minimum}", FreeShippingOver(minimum=gbp(minimum))),))

    pricing = price_order(order(JACKET, SOCKS, shipping=ship("uk-heavy")), rules)

    assert pricing.shipping is not None
    assert pricing.shipping.base == gbp("6.00")
    assert pricing.shipping.total.gross == gbp(shipping)
    assert [a.source_id for a in pricing.shipping.adjustments] == sources


def test_free_shipping_combines_with_the_best_discounting_promotion() -> None:
    rules = PricingRules(
        order_promotions=(promo("spend-50", spend("50", "10")), promo("free-ship", FreeShippingOver(minimum=gbp("50"))))
    )

    pricing = price_order(order(JACKET, SOCKS, shipping=ship("uk-heavy")), rules)

    assert pricing.total.gross == gbp("49.50")
    assert [a.source_id for a in pricing.discounts] == ["spend-50", "free-ship"]


def test_a_threshold_in_another_currency_is_refused() -> None:
    rules = PricingRules(order_promotions=(promo("euro", FreeShippingOver(minimum=eur("50"))),))

    with pytest.raises(ChannelCurrencyMismatch):
        price_order(order(JACKET), rules)


@pytest.mark.parametrize(("buy", "get"), [(0, 1), (1, 0)])
def test_buy_x_get_y_needs_both_at_least_one(buy: int, get: int) -> None:
    with pytest.raises(InvalidPromotionRule) as caught:
        BuyXGetY(buy=buy, get=get)

    assert caught.value.code == "INVALID_PROMOTION_RULE"
