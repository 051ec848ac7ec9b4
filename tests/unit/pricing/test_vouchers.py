"""Vouchers: the worked examples of docs/pricing.md, validity rules with their codes, and removal with a reason."""

from __future__ import annotations

import pytest

from domain.pricing.breakdown import Adjustment, AdjustmentKind, RemovedVoucher
from domain.pricing.engine import add_voucher_code, price_order, require_voucher
from domain.pricing.errors import (
    ChannelCurrencyMismatch,
    InvalidVoucher,
    VoucherAlreadyApplied,
    VoucherError,
    VoucherExpired,
    VoucherNotFound,
    VoucherWrongChannel,
)
from domain.pricing.inputs import PricingRules
from domain.pricing.model import FixedOff, Percentage, PercentageOff, Reward, Schedule, Target
from domain.pricing.promotions import BuyXGetY, OrderPromotion
from domain.pricing.vouchers import Voucher, VoucherUsage
from domain.shared.money import Money
from tests.unit.pricing import TOMORROW, YESTERDAY, eur, gbp, line, order, product

JACKET = line(gbp("20.00"), 2, variant_id=1, facts=product(1, categories=[10]))
SOCKS = line(gbp("5.00"), 3, variant_id=2, facts=product(2, categories=[20]))


def voucher(
    code: str,
    reward: Reward,
    *,
    target: Target | None = None,
    channels: frozenset[str] = frozenset({"uk"}),
    schedule: Schedule | None = None,
    minimum: Money | None = None,
    usage_limit: int | None = None,
    per_customer: int | None = None,
    once_per_order: bool = False,
) -> Voucher:
    return Voucher(
        code=code,
        name=code.title(),
        reward=reward,
        channels=channels,
        target=target,
        schedule=schedule or Schedule(),
        minimum_subtotal=minimum,
        usage_limit=usage_limit,
        usage_limit_per_customer=per_customer,
        once_per_order=once_per_order,
    )


def pct(value: str) -> PercentageOff:
    return PercentageOff(Percentage.of(value))


WELCOME10 = voucher("WELCOME10", pct("10"))
FIVER = voucher("FIVER", FixedOff(gbp("5")), minimum=gbp("30"))
JACKETS20 = voucher("JACKETS20", pct("20"), target=Target(category_ids=frozenset({10})))
HALFONE = voucher("HALFONE", pct("50"), once_per_order=True)
CASES = [
    ("10% off the order", WELCOME10, "49.50", ["5.50"], ["4.00", "1.50"]),
    ("5.00 off over 30.00, split by value", FIVER, "50.00", ["5.00"], ["3.64", "1.36"]),
    ("20% off one category", JACKETS20, "47.00", ["8.00"], ["8.00", "0.00"]),
    ("50% off the cheapest unit, once per order", HALFONE, "52.50", ["2.50"], ["0.00", "2.50"]),
]


@pytest.mark.parametrize(("case", "code", "total", "discounts", "line_discounts"), CASES, ids=[c[0] for c in CASES])
def test_voucher_examples(
    case: str, code: Voucher, total: str, discounts: list[str], line_discounts: list[str]
) -> None:
    pricing = price_order(order(JACKET, SOCKS, codes=[code.code.lower()]), PricingRules(vouchers=(code,)))

    assert pricing.applied_vouchers == (code.code,)
    assert pricing.removed_vouchers == ()
    assert pricing.total.gross == gbp(total)
    assert [a.amount for a in pricing.discounts] == [gbp(d) for d in discounts]
    assert [ln.discount for ln in pricing.lines] == [gbp(d) for d in line_discounts]


def test_a_voucher_applies_after_order_promotions_on_what_they_left() -> None:
    rules = PricingRules(
        order_promotions=(OrderPromotion("b2g1", "Buy 2 get 1", BuyXGetY(buy=2, get=1), frozenset({"uk"})),),
        vouchers=(WELCOME10,),
    )

    pricing = price_order(order(JACKET, SOCKS, codes=["WELCOME10"]), rules)

    assert pricing.lines[1].adjustments == (
        Adjustment(AdjustmentKind.ORDER_PROMOTION, "b2g1", "Buy 2 get 1", gbp("5.00")),
        Adjustment(AdjustmentKind.VOUCHER, "WELCOME10", "Welcome10", gbp("1.00")),
    )
    assert pricing.total.gross == gbp("45.00")


def test_two_vouchers_apply_in_code_order_each_on_what_is_left() -> None:
    rules = PricingRules(vouchers=(WELCOME10, FIVER))

    pricing = price_order(order(JACKET, SOCKS, codes=["WELCOME10", "FIVER"]), rules)

    assert pricing.applied_vouchers == ("FIVER", "WELCOME10")
    assert [(a.source_id, a.amount) for a in pricing.discounts] == [("FIVER", gbp("5.00")), ("WELCOME10", gbp("5.00"))]
    assert pricing.total.gross == gbp("45.00")


INVALID = [
    ("VOUCHER_NOT_FOUND", "NOPE", None, None, None),
    ("VOUCHER_WRONG_CHANNEL", "EUONLY", voucher("EUONLY", pct("10"), channels=frozenset({"eu"})), None, None),
    ("VOUCHER_NOT_STARTED", "SOON", voucher("SOON", pct("10"), schedule=Schedule(starts_at=TOMORROW)), None, None),
    ("VOUCHER_EXPIRED", "OLD", voucher("OLD", pct("10"), schedule=Schedule(ends_at=YESTERDAY)), None, None),
    ("VOUCHER_MINIMUM_NOT_MET", "BIG", voucher("BIG", pct("10"), minimum=gbp("100")), None, None),
    (
        "VOUCHER_USAGE_LIMIT_REACHED",
        "GONE",
        voucher("GONE", pct("10"), usage_limit=100),
        VoucherUsage("GONE", total=100),
        "alice",
    ),
    (
        "VOUCHER_CUSTOMER_LIMIT_REACHED",
        "ONCE",
        voucher("ONCE", pct("10"), per_customer=1),
        VoucherUsage("ONCE", total=5, by_customer=1),
        "alice",
    ),
    ("VOUCHER_CUSTOMER_REQUIRED", "ONCE", voucher("ONCE", pct("10"), per_customer=1), None, None),
    (
        "VOUCHER_NOT_APPLICABLE",
        "HATS",
        voucher("HATS", pct("10"), target=Target(category_ids=frozenset({99}))),
        None,
        None,
    ),
]


@pytest.mark.parametrize(("reason", "code", "definition", "usage", "customer"), INVALID, ids=[c[0] for c in INVALID])
def test_a_voucher_that_does_not_hold_is_removed_with_its_reason_and_the_order_priced_without_it(
    reason: str, code: str, definition: Voucher | None, usage: VoucherUsage | None, customer: str | None
) -> None:
    rules = PricingRules(
        vouchers=() if definition is None else (definition,), voucher_usage=() if usage is None else (usage,)
    )

    pricing = price_order(order(JACKET, SOCKS, codes=[code], customer_id=customer), rules)

    assert pricing.applied_vouchers == ()
    assert [(r.code, r.reason) for r in pricing.removed_vouchers] == [(code, reason)]
    assert pricing.total.gross == gbp("55.00")
    with pytest.raises(VoucherError) as caught:
        require_voucher(pricing, code)
    assert caught.value.code == reason
    assert caught.value.field == "code"


@pytest.mark.parametrize(
    ("usage", "customer"), [(VoucherUsage("ONCE", total=99, by_customer=0), "alice"), (None, "bob")]
)
def test_a_voucher_under_its_limits_holds(usage: VoucherUsage | None, customer: str) -> None:
    rules = PricingRules(
        vouchers=(voucher("ONCE", pct("10"), usage_limit=100, per_customer=1),),
        voucher_usage=() if usage is None else (usage,),
    )

    pricing = price_order(order(JACKET, SOCKS, codes=["ONCE"], customer_id=customer), rules)

    assert pricing.applied_vouchers == ("ONCE",)
    require_voucher(pricing, "once")


def test_an_expired_voucher_raises_voucher_expired_when_the_shopper_applies_it() -> None:
    old = voucher("OLD", pct("10"), schedule=Schedule(ends_at=YESTERDAY))
    codes = add_voucher_code((), " old ")
    pricing = price_order(order(JACKET, codes=codes), PricingRules(vouchers=(old,)))

    with pytest.raises(VoucherExpired) as caught:
        require_voucher(pricing, "OLD")

    assert caught.value.message == "Code OLD has expired."


def test_a_voucher_for_another_channel_raises_voucher_wrong_channel() -> None:
    pricing = price_order(
        order(JACKET, codes=["EUONLY"]),
        PricingRules(vouchers=(voucher("EUONLY", pct("10"), channels=frozenset({"eu"})),)),
    )

    with pytest.raises(VoucherWrongChannel):
        require_voucher(pricing, "EUONLY")


def test_a_voucher_that_stops_holding_is_removed_on_the_next_pricing() -> None:
    rules = PricingRules(vouchers=(FIVER,))
    before = price_order(order(JACKET, codes=["FIVER"]), rules)

    after = price_order(order(line(gbp("20.00"), 1, variant_id=1), codes=before.applied_vouchers), rules)

    assert before.applied_vouchers == ("FIVER",)
    assert after.applied_vouchers == ()
    assert after.removed_vouchers == (
        RemovedVoucher(
            code="FIVER", reason="VOUCHER_MINIMUM_NOT_MET", message="Code FIVER needs a subtotal of at least GBP 30.00."
        ),
    )


def test_the_same_code_twice_counts_once() -> None:
    pricing = price_order(order(JACKET, SOCKS, codes=["welcome10", "WELCOME10 "]), PricingRules(vouchers=(WELCOME10,)))

    assert pricing.applied_vouchers == ("WELCOME10",)
    assert pricing.total.gross == gbp("49.50")


def test_adding_a_code_already_applied_is_refused() -> None:
    with pytest.raises(VoucherAlreadyApplied) as caught:
        add_voucher_code(("WELCOME10",), "welcome10")

    assert caught.value.code == "VOUCHER_ALREADY_APPLIED"


def test_adding_an_empty_code_is_refused() -> None:
    with pytest.raises(VoucherNotFound):
        add_voucher_code((), "  ")


def test_a_voucher_in_another_currency_is_refused() -> None:
    rules = PricingRules(vouchers=(voucher("EURO", FixedOff(eur("5"))),))

    with pytest.raises(ChannelCurrencyMismatch):
        price_order(order(JACKET, codes=["EURO"]), rules)


@pytest.mark.parametrize(("code", "limit"), [("lower", None), ("", None), ("OK", 0)])
def test_a_malformed_voucher_is_refused(code: str, limit: int | None) -> None:
    with pytest.raises(InvalidVoucher):
        voucher(code, pct("10"), usage_limit=limit)


def test_two_vouchers_with_one_code_are_refused() -> None:
    with pytest.raises(InvalidVoucher):
        price_order(order(JACKET, codes=["WELCOME10"]), PricingRules(vouchers=(WELCOME10, WELCOME10)))
