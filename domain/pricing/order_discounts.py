"""Order-level discounts on lines part-way through pricing: order promotions, and the ways money comes off lines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from domain.pricing.amounts import allocate, percent_of, smaller, sum_money
from domain.pricing.breakdown import Adjustment, AdjustmentKind, PricedUnit
from domain.pricing.model import Channel, PercentageOff, ProductFacts, Reward, Target, covers
from domain.pricing.promotions import BuyXGetY, FreeShippingOver, OrderPromotion, SpendThreshold
from domain.pricing.stacking import canonical, pick_best
from domain.shared.money import Money


@dataclass(frozen=True, slots=True)
class DraftLine:
    """A line after catalogue promotions: its unit price and what is still to pay, on the entered basis."""

    variant_id: int
    product: ProductFacts
    quantity: int
    unit_price: Money
    remaining: Money
    adjustments: tuple[Adjustment, ...]
    unit: PricedUnit

    def covered_by(self, target: Target | None) -> bool:
        """Tell whether a target (`None`: everything) covers this line."""
        return covers(target, variant_id=self.variant_id, product=self.product)


Lines = tuple[DraftLine, ...]


def take(lines: Lines, amounts: Sequence[Money], *, kind: AdjustmentKind, source_id: str, name: str) -> Lines:
    """Take an amount off each line, recording where it came from (nothing is recorded for zero)."""
    return tuple(
        line
        if off.amount == 0
        else replace(
            line,
            remaining=line.remaining - off,
            adjustments=(*line.adjustments, Adjustment(kind, source_id, name, off)),
        )
        for line, off in zip(lines, amounts, strict=True)
    )


def remaining_total(lines: Lines, currency: str) -> Money:
    """Return what is still to pay across the lines."""
    return sum_money((line.remaining for line in lines), currency)


def reward_lines(lines: Lines, covered: Sequence[bool], reward: Reward) -> tuple[Money, ...]:
    """Return what a reward takes off each covered line: a percentage per line, or a fixed amount split by value."""
    if not lines:
        return ()
    currency = lines[0].remaining.currency
    zero = Money.zero(currency)
    if isinstance(reward, PercentageOff):
        return tuple(
            percent_of(ln.remaining, reward.percent) if c else zero for ln, c in zip(lines, covered, strict=True)
        )
    weights = [ln.remaining if c else zero for ln, c in zip(lines, covered, strict=True)]
    return allocate(smaller(reward.amount, sum_money(weights, currency)), weights)


def cheapest_units(lines: Lines, covered: Sequence[bool], count: int) -> tuple[int, ...]:
    """Return how many of the `count` cheapest covered units each line holds (ties to the earlier line)."""
    order = sorted((i for i, c in enumerate(covered) if c), key=lambda i: (lines[i].unit_price.amount, i))
    picked = [0] * len(lines)
    left = count
    for i in order:
        picked[i] = min(left, lines[i].quantity)
        left -= picked[i]
    return tuple(picked)


def buy_x_get_y(lines: Lines, rule: BuyXGetY) -> tuple[Money, ...]:
    """Return what a buy-X-get-Y takes off each line: the cheapest covered units, free."""
    covered = [line.covered_by(rule.target) for line in lines]
    units = sum(line.quantity for line, c in zip(lines, covered, strict=True) if c)
    free = cheapest_units(lines, covered, units // (rule.buy + rule.get) * rule.get)
    return tuple(smaller(line.unit_price * n, line.remaining) for line, n in zip(lines, free, strict=True))


def _amounts(lines: Lines, promotion: OrderPromotion) -> tuple[Money, ...]:
    rule = promotion.rule
    if isinstance(rule, SpendThreshold):
        return reward_lines(lines, [True] * len(lines), rule.reward)
    if isinstance(rule, BuyXGetY):
        return buy_x_get_y(lines, rule)
    raise TypeError(f"{type(rule).__name__} takes nothing off lines")


def live_order_promotions(
    promotions: Sequence[OrderPromotion], *, channel: Channel, now: datetime
) -> tuple[OrderPromotion, ...]:
    """Return the promotions running in the channel now, in canonical order, their currencies checked."""
    live = tuple(p for p in canonical(promotions) if p.is_live(channel=channel, now=now))
    for promotion in live:
        promotion.check_currency(channel)
    return live


def apply_order_promotions(lines: Lines, *, live: tuple[OrderPromotion, ...], subtotal: Money) -> Lines:
    """Take the best exclusive order promotion, or all stackable ones in canonical order, off the lines."""
    discounting = tuple(p for p in live if not isinstance(p.rule, FreeShippingOver) and p.qualifies(subtotal))
    currency = subtotal.currency

    def evaluate(candidate: tuple[OrderPromotion, ...]) -> tuple[Money, Lines]:
        current = lines
        for promotion in candidate:
            amounts = _amounts(current, promotion)
            current = take(
                current, amounts, kind=AdjustmentKind.ORDER_PROMOTION, source_id=promotion.id, name=promotion.name
            )
        return remaining_total(lines, currency) - remaining_total(current, currency), current

    return pick_best(discounting, evaluate=evaluate, nothing=lines)


def free_shipping_promotions(live: tuple[OrderPromotion, ...], *, subtotal: Money) -> tuple[OrderPromotion, ...]:
    """Return the free-shipping promotions this subtotal qualifies for, in canonical order."""
    return tuple(p for p in live if isinstance(p.rule, FreeShippingOver) and p.qualifies(subtotal))
