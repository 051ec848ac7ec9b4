"""`Money`: a `Decimal` amount in an ISO 4217 currency, rounded in exactly one place."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from domain.shared.errors import DomainError

# Minor-unit exponents for the currencies we know; everything else has two decimals.
_EXPONENTS: dict[str, int] = {"JPY": 0, "KRW": 0, "ISK": 0, "CLP": 0, "BHD": 3, "KWD": 3, "JOD": 3, "OMR": 3}


class CurrencyMismatch(DomainError):
    """Two amounts in different currencies met in one calculation."""

    code = "CURRENCY_MISMATCH"


class InvalidAmount(DomainError):
    """An amount is not a finite number."""

    code = "INVALID_AMOUNT"


class InvalidCurrency(DomainError):
    """A currency code is not a three-letter ISO 4217 code."""

    code = "INVALID_CURRENCY"


def minor_unit_exponent(currency: str) -> int:
    """Return how many decimal places the currency's minor unit has."""
    return _EXPONENTS.get(currency, 2)


_QUANTA = {exponent: Decimal(1).scaleb(-exponent) for exponent in {2, *_EXPONENTS.values()}}
_QUANTUM = {currency: _QUANTA[exponent] for currency, exponent in _EXPONENTS.items()}
_CENT = _QUANTA[2]


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round half-up to the currency's minor unit: the one rounding rule of Vitrine."""
    rounded = amount.quantize(_QUANTUM.get(currency, _CENT), rounding=ROUND_HALF_UP)
    return rounded.copy_abs() if rounded.is_zero() else rounded  # never show "-0.00"


_CHECKED: set[str] = set()


def _check_currency(currency: str) -> str:
    if currency in _CHECKED:  # Money is built often on hot paths; a code is checked once
        return currency
    if len(currency) != 3 or not currency.isascii() or not currency.isalpha() or not currency.isupper():
        raise InvalidCurrency(f"{currency!r} is not an ISO 4217 currency code.", field="currency")
    if len(_CHECKED) < 1_000:
        _CHECKED.add(currency)
    return currency


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount of one currency; arithmetic refuses to mix currencies."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if self.currency not in _CHECKED:  # a code seen before needs no call (Money is built on every hot path)
            _check_currency(self.currency)
        if not isinstance(self.amount, Decimal):
            raise TypeError("Money.amount must be a Decimal, never a float")
        if not self.amount.is_finite():
            raise InvalidAmount(f"{self.amount} is not an amount of money.", field="amount")

    @classmethod
    def of(cls, amount: Decimal | int | str, currency: str) -> Money:
        """Build rounded money from an exact amount (a `str` or `int` is parsed exactly)."""
        if isinstance(amount, float):
            raise TypeError("Money never takes a float")
        if currency not in _CHECKED:
            _check_currency(currency)
        try:
            exact = Decimal(amount)
            rounded = round_money(exact, currency) if exact.is_finite() else exact
        except ArithmeticError as exc:  # malformed text, or too large to hold at the currency's precision
            raise InvalidAmount(f"{amount!r} is not an amount of money.", field="amount") from exc
        if not rounded.is_finite():
            raise InvalidAmount(f"{rounded} is not an amount of money.", field="amount")
        return _checked(rounded, currency) if cls is Money else cls(rounded, currency)  # checked: no `__post_init__`

    @classmethod
    def zero(cls, currency: str) -> Money:
        """Return nothing of the currency."""
        found = _ZEROS.get(currency)
        if found is None:
            found = cls(round_money(Decimal(0), currency), currency)
            if len(_ZEROS) < 1_000:
                _ZEROS[currency] = found
        return found

    def _same(self, other: Money) -> None:
        if self.currency != other.currency:
            raise CurrencyMismatch(f"Cannot combine {self.currency} with {other.currency}.")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return _checked(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return _checked(self.amount - other.amount, self.currency)

    def __mul__(self, factor: int | Decimal) -> Money:
        if isinstance(factor, float):
            raise TypeError("Money is never multiplied by a float")
        return self.derive(self.amount * factor)

    def derive(self, exact: Decimal) -> Money:
        """Return an amount computed from this one (a share, a tax), rounded to the currency's minor unit."""
        if not exact.is_finite():
            raise InvalidAmount(f"{exact} is not an amount of money.", field="amount")
        return _checked(round_money(exact, self.currency), self.currency)  # the currency is this one's: checked

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def rounded(self) -> Money:
        """Return this amount rounded to the currency's minor unit."""
        return Money(round_money(self.amount, self.currency), self.currency)

    def is_negative(self) -> bool:
        """Tell whether the amount is below zero."""
        return self.amount < 0


_ZEROS: dict[str, Money] = {}  # Money is immutable: one zero per currency serves every sum


def _checked(amount: Decimal, currency: str) -> Money:
    """Build the result of arithmetic on two amounts, already checked: skip the checks `Money()` repeats.

    The sum or difference of two finite decimals is finite (the decimal context raises on overflow), and the
    currency is an operand's. Sums run for every line, unit and tax on the hot paths of pricing.
    """
    money = _new(Money)
    _set(money, "amount", amount)
    _set(money, "currency", currency)
    return money


_new = object.__new__
_set = object.__setattr__
