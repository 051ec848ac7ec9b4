"""Arithmetic on money for pricing; the only module of the engine that rounds.

Every derived amount (a percentage off, a tax) is rounded here, once, on a line's amount, by `Money.derive`
(`domain.shared.money.round_money`: half-up to the currency's minor unit). Everything else is sums and differences
of rounded amounts, which stay exact. Fixed amounts split across lines go through `allocate`, which never rounds:
it hands out whole minor units so the parts add up to the amount exactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from domain.pricing.model import Percentage
from domain.shared.money import Money, minor_unit_exponent


def percent_of(amount: Money, percent: Percentage) -> Money:
    """Return `percent` of the amount, rounded half-up to the minor unit."""
    return amount.derive(amount.amount * percent.value / 100)


def tax_on_net(net: Money, rate: Percentage) -> Money:
    """Return the tax to add to a net amount, rounded half-up."""
    return percent_of(net, rate)


def tax_within_gross(gross: Money, rate: Percentage) -> Money:
    """Return the tax contained in a gross amount, rounded half-up."""
    return gross.derive(gross.amount * rate.value / (100 + rate.value))


def sum_money(amounts: Iterable[Money], currency: str) -> Money:
    """Add amounts of one currency, starting from zero."""
    total = Money.zero(currency)
    for amount in amounts:
        total = total + amount
    return total


def smaller(a: Money, b: Money) -> Money:
    """Return the smaller of two amounts of one currency."""
    return a if a <= b else b


def _to_units(amount: Money) -> int:
    return int(amount.amount.scaleb(minor_unit_exponent(amount.currency)))


def _from_units(units: int, currency: str) -> Money:
    return Money(Decimal(units).scaleb(-minor_unit_exponent(currency)), currency)


def allocate(amount: Money, weights: Sequence[Money]) -> tuple[Money, ...]:
    """Split an amount across weights in proportion, so the parts sum exactly to it and none exceeds its weight.

    Largest remainder: each part gets the floor of its exact share in minor units, and the units left over go one
    each to the parts with the largest remainders (ties to the larger weight, then to the earlier part).
    """
    total_weight = _to_units(sum_money(weights, amount.currency))  # refuses mixed currencies
    units = _to_units(amount)
    if units < 0 or any(w.is_negative() for w in weights) or units > total_weight:
        raise ValueError("allocate needs a non-negative amount no larger than the sum of non-negative weights")
    if units == 0:
        return tuple(Money.zero(amount.currency) for _ in weights)
    shares = [divmod(units * _to_units(w), total_weight) for w in weights]
    parts = [whole for whole, _ in shares]
    leftover = units - sum(parts)
    order = sorted(range(len(weights)), key=lambda i: (-shares[i][1], -_to_units(weights[i]), i))
    for i in order[:leftover]:
        parts[i] += 1
    return tuple(_from_units(p, amount.currency) for p in parts)


def show(money: Money) -> str:
    """Return an amount as people read it in messages and explanations: `GBP 30.00`."""
    return f"{money.currency} {money.amount}"
