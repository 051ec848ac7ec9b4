"""`Money`: exact amounts, one rounding rule, and no mixing of currencies."""

from __future__ import annotations

import operator
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.shared.money import (
    CurrencyMismatch,
    InvalidAmount,
    InvalidCurrency,
    Money,
    minor_unit_exponent,
    round_money,
)

CURRENCIES = ("USD", "EUR", "JPY", "KWD")

# Finite decimals well inside the 28-digit default context, so quantizing never overflows it.
amounts = st.decimals(min_value=-(10**12), max_value=10**12, allow_nan=False, allow_infinity=False, places=6)


@st.composite
def money(draw: st.DrawFn, currency: str | None = None) -> Money:
    """Draw an already-rounded amount: a whole number of minor units."""
    code = draw(st.sampled_from(CURRENCIES)) if currency is None else currency
    minor_units = draw(st.integers(min_value=-(10**12), max_value=10**12))
    return Money(Decimal(minor_units).scaleb(-minor_unit_exponent(code)), code)


@pytest.mark.parametrize(
    ("currency", "exponent"),
    [("USD", 2), ("EUR", 2), ("JPY", 0), ("KRW", 0), ("KWD", 3), ("BHD", 3), ("XYZ", 2)],
)
def test_minor_unit_exponent_is_known_per_currency_and_two_otherwise(currency: str, exponent: int) -> None:
    assert minor_unit_exponent(currency) == exponent


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("1.005", "USD", "1.01"),
        ("1.004", "USD", "1.00"),
        ("2.675", "USD", "2.68"),
        ("-1.005", "USD", "-1.01"),
        ("-1.004", "USD", "-1.00"),
        ("7", "USD", "7.00"),
        ("0.125", "EUR", "0.13"),
        ("2.5", "JPY", "3"),
        ("2.4999", "JPY", "2"),
        ("-2.5", "JPY", "-3"),
        ("100", "JPY", "100"),
        ("1.0005", "KWD", "1.001"),
        ("1.0004", "KWD", "1.000"),
        ("-1.0005", "KWD", "-1.001"),
        ("3", "KWD", "3.000"),
    ],
)
def test_of_rounds_half_up_to_the_minor_unit(amount: str, currency: str, expected: str) -> None:
    # given an exact amount, when money is built from it
    result = Money.of(amount, currency)

    # then it is rounded half away from zero to the currency's minor unit, with exactly that many places
    assert str(result.amount) == expected
    assert result.currency == currency


def test_of_parses_ints_strings_and_decimals_exactly() -> None:
    assert Money.of(3, "USD") == Money(Decimal("3.00"), "USD")
    assert Money.of("0.1", "USD") + Money.of("0.2", "USD") == Money.of("0.3", "USD")
    assert Money.of(Decimal("19.99"), "USD").amount == Decimal("19.99")


@pytest.mark.parametrize(("currency", "expected"), [("USD", "0.00"), ("JPY", "0"), ("KWD", "0.000")])
def test_zero_has_the_currency_minor_unit(currency: str, expected: str) -> None:
    assert str(Money.zero(currency).amount) == expected


def test_of_refuses_a_float() -> None:
    with pytest.raises(TypeError, match="float"):
        Money.of(0.1, "USD")  # type: ignore[arg-type]


def test_constructor_refuses_a_float_amount() -> None:
    with pytest.raises(TypeError, match="Decimal"):
        Money(0.1, "USD")  # type: ignore[arg-type]


def test_constructor_refuses_a_string_amount() -> None:
    with pytest.raises(TypeError, match="Decimal"):
        Money("0.10", "USD")  # type: ignore[arg-type]


def test_multiplication_refuses_a_float() -> None:
    with pytest.raises(TypeError, match="float"):
        Money.of("1.00", "USD") * 1.5  # type: ignore[operator]


@pytest.mark.parametrize("currency", ["usd", "Usd", "US", "USDD", "", "U$D", "12A", "US ", "ÜSD", "\uff35\uff33\uff24"])
def test_invalid_currency_codes_are_refused(currency: str) -> None:
    with pytest.raises(InvalidCurrency) as raised:
        Money.of("1", currency)

    assert raised.value.field == "currency"
    assert raised.value.code == "INVALID_CURRENCY"


@pytest.mark.parametrize("currency", ["usd", "US", "€€€"])
def test_invalid_currency_is_refused_by_every_constructor(currency: str) -> None:
    with pytest.raises(InvalidCurrency):
        Money(Decimal("1.00"), currency)
    with pytest.raises(InvalidCurrency):
        Money.zero(currency)


@pytest.mark.parametrize(
    "combine",
    [operator.add, operator.sub, operator.lt, operator.le, operator.gt, operator.ge],
    ids=["add", "sub", "lt", "le", "gt", "ge"],
)
def test_combining_two_currencies_raises_currency_mismatch(combine: Callable[[Any, Any], Any]) -> None:
    dollars = Money.of("1.00", "USD")
    euros = Money.of("1.00", "EUR")

    with pytest.raises(CurrencyMismatch) as raised:
        combine(dollars, euros)

    assert raised.value.code == "CURRENCY_MISMATCH"


def test_equality_across_currencies_is_false_rather_than_an_error() -> None:
    assert Money.of("1.00", "USD") != Money.of("1.00", "EUR")


def test_addition_and_subtraction_in_one_currency() -> None:
    assert Money.of("19.99", "USD") + Money.of("0.01", "USD") == Money.of("20.00", "USD")
    assert Money.of("5", "JPY") - Money.of("7", "JPY") == Money.of("-2", "JPY")


def test_comparisons_in_one_currency() -> None:
    cheap = Money.of("9.99", "USD")
    dear = Money.of("10.00", "USD")

    assert cheap < dear
    assert cheap <= dear
    assert cheap <= Money.of("9.99", "USD")
    assert dear > cheap
    assert dear >= cheap
    assert not dear < cheap


@pytest.mark.parametrize(
    ("amount", "currency", "factor", "expected"),
    [
        ("19.99", "USD", 3, "59.97"),
        ("0.05", "USD", Decimal("0.5"), "0.03"),
        ("0.10", "USD", Decimal("0.333"), "0.03"),
        ("10.00", "USD", Decimal("0.075"), "0.75"),
        ("-0.05", "USD", Decimal("0.5"), "-0.03"),
        ("100", "JPY", Decimal("0.075"), "8"),
        ("100", "JPY", Decimal("0.074"), "7"),
        ("1.000", "KWD", Decimal("0.0005"), "0.001"),
        ("2.50", "USD", 0, "0.00"),
    ],
)
def test_multiplication_rounds_half_up_to_the_minor_unit(
    amount: str, currency: str, factor: int | Decimal, expected: str
) -> None:
    result = Money.of(amount, currency) * factor

    assert str(result.amount) == expected
    assert result.currency == currency


def test_rounded_rounds_an_unrounded_amount() -> None:
    assert Money(Decimal("1.005"), "USD").rounded() == Money(Decimal("1.01"), "USD")


@pytest.mark.parametrize(("amount", "negative"), [("-0.01", True), ("0.00", False), ("0.01", False)])
def test_is_negative(amount: str, negative: bool) -> None:
    assert Money.of(amount, "USD").is_negative() is negative


@given(st.data())
def test_adding_then_subtracting_returns_the_original(data: st.DataObject) -> None:
    a = data.draw(money())
    b = data.draw(money(a.currency))

    assert a + b - b == a
    assert a + b == b + a


@given(st.data(), st.integers(min_value=0, max_value=20))
def test_multiplying_by_an_int_is_repeated_addition(data: st.DataObject, times: int) -> None:
    m = data.draw(money())

    total = Money.zero(m.currency)
    for _ in range(times):
        total += m

    assert m * times == total


@given(amounts, st.sampled_from(CURRENCIES))
def test_rounding_is_idempotent(amount: Decimal, currency: str) -> None:
    once = round_money(amount, currency)

    assert round_money(once, currency) == once
    assert Money.of(once, currency) == Money.of(amount, currency)


@given(amounts, st.sampled_from(CURRENCIES))
def test_rounding_moves_by_at_most_half_a_minor_unit_and_keeps_its_places(amount: Decimal, currency: str) -> None:
    exponent = minor_unit_exponent(currency)

    result = Money.of(amount, currency).amount

    assert abs(result - amount) <= Decimal("0.5").scaleb(-exponent)
    assert result.as_tuple().exponent == -exponent


@given(amounts, st.sampled_from(CURRENCIES))
def test_rounding_is_symmetric_around_zero(amount: Decimal, currency: str) -> None:
    assert round_money(-amount, currency) == -round_money(amount, currency)


@given(st.data())
def test_comparisons_agree_with_amounts(data: st.DataObject) -> None:
    a = data.draw(money())
    b = data.draw(money(a.currency))

    assert (a < b) == (a.amount < b.amount)
    assert (a <= b) == (a.amount <= b.amount)


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "-Infinity", "abc", "1e99999999999"])
def test_an_amount_that_is_not_a_finite_number_is_refused(amount: str) -> None:
    with pytest.raises(InvalidAmount) as raised:
        Money.of(amount, "USD")

    assert raised.value.code == "INVALID_AMOUNT"


def test_a_negative_amount_that_rounds_to_zero_is_plain_zero() -> None:
    assert str(Money.of("-0.001", "USD").amount) == "0.00"


@given(amounts, st.sampled_from(CURRENCIES))
def test_derive_is_the_exact_amount_rounded_in_this_currency(exact: Decimal, currency: str) -> None:
    derived = Money.zero(currency).derive(exact)

    assert derived == Money.of(exact, currency)
    assert str(derived.amount) == str(Money.of(exact, currency).amount)  # the same places, no "-0.00"


@pytest.mark.parametrize("exact", [Decimal("Infinity"), Decimal("-Infinity"), Decimal("NaN")])
def test_derive_refuses_an_amount_that_is_not_a_finite_number(exact: Decimal) -> None:
    with pytest.raises(InvalidAmount):
        Money.of("1.00", "USD").derive(exact)
