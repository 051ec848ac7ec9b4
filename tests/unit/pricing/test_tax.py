"""Tax: classes and rates per country, inclusive and exclusive channels, per-line rounding, the table port."""

from __future__ import annotations

import pytest

from domain.pricing.engine import price_order
from domain.pricing.errors import InvalidCountry, NoTaxRatesForCountry
from domain.pricing.inputs import OrderRequest
from domain.pricing.model import Channel, Destination, Percentage, PriceBasis, TaxClass, TaxedMoney
from domain.pricing.ports import TaxCalculator
from domain.pricing.tax import TaxRates, apply_tax
from domain.shared.money import Money
from tests.unit.pricing import DE_RATES, GB_RATES, TAX_TABLE, UK, US, context, gbp, line, order, product, usd

CASES = [
    ("uk gross, standard 20%", UK, gbp("10.00"), TaxClass.STANDARD, gbp("8.33"), gbp("10.00")),
    ("uk gross, reduced 5%", UK, gbp("10.00"), TaxClass.REDUCED, gbp("9.52"), gbp("10.00")),
    ("uk gross, zero", UK, gbp("10.00"), TaxClass.ZERO, gbp("10.00"), gbp("10.00")),
    ("us net, standard 8.875%", US, usd("10.00"), TaxClass.STANDARD, usd("10.00"), usd("10.89")),
    ("us net, reduced 4%", US, usd("10.00"), TaxClass.REDUCED, usd("10.00"), usd("10.40")),
]


@pytest.mark.parametrize(("case", "channel", "amount", "tax_class", "net", "gross"), CASES, ids=[c[0] for c in CASES])
def test_tax_examples(
    case: str, channel: Channel, amount: Money, tax_class: TaxClass, net: Money, gross: Money
) -> None:
    pricing = price_order(order(line(amount, facts=product(tax_class=tax_class), channel=channel), channel=channel))

    assert pricing.total == TaxedMoney(net=net, gross=gross)


def test_tax_is_rounded_per_line_not_per_unit() -> None:
    pricing = price_order(order(line(usd("0.99"), 3, channel=US), channel=US))

    assert pricing.lines[0].unit.price.tax == usd("0.09")
    assert pricing.lines[0].total == TaxedMoney(net=usd("2.97"), gross=usd("3.23"))
    assert pricing.tax == usd("0.26")


def test_a_gross_price_keeps_its_gross_and_splits_by_the_destination_rate() -> None:
    request = OrderRequest(context=context(UK, rates=DE_RATES), lines=(line(gbp("11.90")),))

    pricing = price_order(request)

    assert pricing.tax_country == "DE"
    assert pricing.total == TaxedMoney(net=gbp("10.00"), gross=gbp("11.90"))


def test_the_order_tax_is_the_sum_of_line_and_shipping_taxes() -> None:
    pricing = price_order(
        order(line(gbp("10.00")), line(gbp("10.00"), variant_id=2, facts=product(2, tax_class=TaxClass.REDUCED)))
    )

    assert [ln.total.tax for ln in pricing.lines] == [gbp("1.67"), gbp("0.48")]
    assert pricing.tax == gbp("2.15")


def test_apply_tax_takes_tax_out_of_gross_and_adds_it_to_net() -> None:
    rate = Percentage.of(20)

    assert apply_tax(gbp("12.00"), rate=rate, basis=PriceBasis.GROSS) == TaxedMoney(
        net=gbp("10.00"), gross=gbp("12.00")
    )
    assert apply_tax(gbp("10.00"), rate=rate, basis=PriceBasis.NET) == TaxedMoney(net=gbp("10.00"), gross=gbp("12.00"))


@pytest.mark.parametrize(
    ("tax_class", "rate"), [(TaxClass.STANDARD, "20"), (TaxClass.REDUCED, "5"), (TaxClass.ZERO, "0")]
)
def test_rates_give_a_percentage_per_class(tax_class: TaxClass, rate: str) -> None:
    assert GB_RATES.rate(tax_class) == Percentage.of(rate)


async def test_the_built_in_table_answers_the_tax_calculator_port() -> None:
    calculator: TaxCalculator = TAX_TABLE

    rates = await calculator.rates_for(channel="uk", destination=Destination("GB", postal_code="SW1A 1AA"))

    assert rates == GB_RATES


async def test_the_table_refuses_a_country_it_has_no_rates_for() -> None:
    with pytest.raises(NoTaxRatesForCountry) as caught:
        await TAX_TABLE.rates_for(channel="uk", destination=Destination("JP"))

    assert caught.value.code == "NO_TAX_RATES_FOR_COUNTRY"


def test_rates_refuse_a_malformed_country() -> None:
    with pytest.raises(InvalidCountry):
        TaxRates(country="gb", standard=Percentage.of(20), reduced=Percentage.of(5))
