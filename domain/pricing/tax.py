"""Tax: rates per class for a country, the built-in rate table, and taxing an amount one way or the other."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from domain.pricing.amounts import tax_on_net, tax_within_gross
from domain.pricing.errors import NoTaxRatesForCountry
from domain.pricing.model import Destination, Percentage, PriceBasis, TaxClass, TaxedMoney, validate_country
from domain.shared.money import Money

NO_TAX = Percentage.of(0)


@dataclass(frozen=True, slots=True)
class TaxRates:
    """The rate of each tax class in one country: what the engine needs to tax an order going there."""

    country: str
    standard: Percentage
    reduced: Percentage
    zero: Percentage = NO_TAX

    def __post_init__(self) -> None:
        validate_country(self.country)

    def rate(self, tax_class: TaxClass) -> Percentage:
        """Return the rate of a tax class."""
        match tax_class:
            case TaxClass.STANDARD:
                return self.standard
            case TaxClass.REDUCED:
                return self.reduced
            case TaxClass.ZERO:
                return self.zero


def apply_tax(amount: Money, *, rate: Percentage, basis: PriceBasis) -> TaxedMoney:
    """Return an entered amount with its net and gross sides: tax is taken out of gross, added to net."""
    if basis is PriceBasis.GROSS:
        return TaxedMoney(net=amount - tax_within_gross(amount, rate), gross=amount)
    return TaxedMoney(net=amount, gross=amount + tax_on_net(amount, rate))


class TaxTable:
    """The built-in `TaxCalculator`: a fixed table of rates per country."""

    __slots__ = ("_by_country",)

    def __init__(self, rates: Iterable[TaxRates]) -> None:
        self._by_country = {r.country: r for r in rates}

    def lookup(self, country: str) -> TaxRates:
        """Return the rates of a country, or refuse a country the table does not know."""
        rates = self._by_country.get(country)
        if rates is None:
            raise NoTaxRatesForCountry(f"No tax rates are configured for {country}.", field="country")
        return rates

    async def rates_for(self, *, channel: str, destination: Destination) -> TaxRates:
        """Return the rates for the destination's country (the table ignores channel and postal code)."""
        return self.lookup(destination.country)
