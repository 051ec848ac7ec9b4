"""The rounding rule and allocation: half-up per line to the minor unit, and splits that reconcile to the cent."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.pricing.amounts import allocate, percent_of, tax_on_net, tax_within_gross
from domain.pricing.errors import InvalidPercentage
from domain.pricing.model import Percentage
from domain.shared.money import CurrencyMismatch, Money, minor_unit_exponent


@pytest.mark.parametrize(
    ("amount", "currency", "percent", "expected"),
    [
        ("9.99", "GBP", "15", "1.50"),  # 1.4985 rounds up
        ("0.20", "GBP", "12.5", "0.03"),  # 0.025: half goes up
        ("0.20", "GBP", "12.4", "0.02"),
        ("1005", "JPY", "10", "101"),  # 100.5 yen: no minor unit
        ("1.005", "KWD", "50", "0.503"),  # three decimals
        ("10.00", "GBP", "100", "10.00"),
        ("10.00", "GBP", "0", "0.00"),
    ],
)
def test_a_percentage_is_rounded_half_up_to_the_minor_unit(
    amount: str, currency: str, percent: str, expected: str
) -> None:
    assert percent_of(Money.of(amount, currency), Percentage.of(percent)) == Money.of(expected, currency)


@pytest.mark.parametrize(
    ("gross", "rate", "tax"),
    [("10.00", "20", "1.67"), ("10.00", "5", "0.48"), ("4.99", "20", "0.83"), ("0.01", "20", "0.00"), ("6", "20", "1")],
)
def test_the_tax_inside_a_gross_amount_is_rounded_half_up(gross: str, rate: str, tax: str) -> None:
    assert tax_within_gross(Money.of(gross, "GBP"), Percentage.of(rate)) == Money.of(tax, "GBP")


@pytest.mark.parametrize(
    ("net", "rate", "tax"), [("10.00", "8.875", "0.89"), ("2.97", "8.875", "0.26"), ("0.99", "8.875", "0.09")]
)
def test_the_tax_on_a_net_amount_is_rounded_half_up(net: str, rate: str, tax: str) -> None:
    assert tax_on_net(Money.of(net, "USD"), Percentage.of(rate)) == Money.of(tax, "USD")


@pytest.mark.parametrize("value", ["-1", "100.01", "NaN", "Infinity"])
def test_a_percentage_outside_zero_to_a_hundred_is_refused(value: str) -> None:
    with pytest.raises(InvalidPercentage) as caught:
        Percentage(Decimal(value))

    assert caught.value.code == "INVALID_PERCENTAGE"


@pytest.mark.parametrize(
    ("amount", "weights", "parts"),
    [
        ("10.00", ["10.00", "20.00", "30.00"], ["1.67", "3.33", "5.00"]),
        ("0.05", ["1.00", "1.00", "1.00"], ["0.02", "0.02", "0.01"]),
        ("5.00", ["40.00", "15.00"], ["3.64", "1.36"]),
        ("10.00", ["40.00", "15.00"], ["7.27", "2.73"]),
        ("10.00", ["60.00", "12.00"], ["8.33", "1.67"]),
        ("3.00", ["0.00", "3.00"], ["0.00", "3.00"]),
        ("0.00", ["1.00", "2.00"], ["0.00", "0.00"]),
    ],
)
def test_allocation_splits_in_proportion_and_hands_leftover_cents_to_the_largest_remainders(
    amount: str, weights: list[str], parts: list[str]
) -> None:
    assert allocate(Money.of(amount, "GBP"), [Money.of(w, "GBP") for w in weights]) == tuple(
        Money.of(p, "GBP") for p in parts
    )


def test_allocation_refuses_more_than_the_weights_hold() -> None:
    with pytest.raises(ValueError, match="no larger than"):
        allocate(Money.of("3.01", "GBP"), [Money.of("1.00", "GBP"), Money.of("2.00", "GBP")])


def test_allocation_refuses_weights_in_another_currency() -> None:
    with pytest.raises(CurrencyMismatch):
        allocate(Money.of("1.00", "GBP"), [Money.of("1.00", "EUR")])


@st.composite
def allocations(draw: st.DrawFn) -> tuple[Money, list[Money]]:
    currency = draw(st.sampled_from(["GBP", "JPY", "KWD"]))
    scale = -minor_unit_exponent(currency)
    units = draw(st.lists(st.integers(min_value=0, max_value=10**7), min_size=1, max_size=8))
    weights = [Money(Decimal(u).scaleb(scale), currency) for u in units]
    share = draw(st.integers(min_value=0, max_value=sum(units)))
    return Money(Decimal(share).scaleb(scale), currency), weights


@settings(max_examples=200, deadline=None)
@given(allocations())
def test_allocated_parts_sum_exactly_to_the_amount_and_never_exceed_their_weight(
    case: tuple[Money, list[Money]],
) -> None:
    amount, weights = case

    parts = allocate(amount, weights)

    assert sum((p.amount for p in parts), Decimal(0)) == amount.amount
    assert all(Decimal(0) <= p.amount <= w.amount for p, w in zip(parts, weights, strict=True))
    assert all(p == p.rounded() for p in parts)
