"""Shipping: zones, price- and weight-based bands, free-shipping thresholds, the table port, bad choices."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from domain.pricing.breakdown import Adjustment, AdjustmentKind
from domain.pricing.engine import price_order, shipping_options
from domain.pricing.errors import (
    ChannelCurrencyMismatch,
    InvalidShippingRate,
    NoShippingToCountry,
    ShippingMethodUnavailable,
)
from domain.pricing.inputs import ShippingChoice
from domain.pricing.model import Destination, TaxClass, TaxedMoney
from domain.pricing.ports import ShippingRates
from domain.pricing.shipping import PriceBand, ShippingMethod, WeightBand
from domain.shared.money import Money
from tests.unit.pricing import SHIPPING_TABLE, UK, UK_HEAVY, UK_STANDARD, US, US_STANDARD, eur, gbp, line, order, ship

CASES = [
    ("standard under 30.00", "uk-standard", "25.00", 0, "4.99", "0.00"),
    ("standard from 30.00", "uk-standard", "30.00", 0, "2.99", "0.00"),
    ("standard free from 50.00", "uk-standard", "50.00", 0, "2.99", "2.99"),
    ("heavy under 2 kg", "uk-heavy", "25.00", 1_999, "6.00", "0.00"),
    ("heavy from 2 kg", "uk-heavy", "25.00", 2_000, "12.00", "0.00"),
    ("heavy has no free threshold", "uk-heavy", "80.00", 9_999, "12.00", "0.00"),
]


@pytest.mark.parametrize(("case", "method", "subtotal", "grams", "rate", "free"), CASES, ids=[c[0] for c in CASES])
def test_shipping_examples(case: str, method: str, subtotal: str, grams: int, rate: str, free: str) -> None:
    pricing = price_order(order(line(gbp(subtotal), weight_grams=grams), shipping=ship(method)))

    assert pricing.shipping is not None
    assert pricing.shipping.base == gbp(rate)
    assert pricing.shipping.discount == gbp(free)
    assert pricing.total.gross == gbp(subtotal) + gbp(rate) - gbp(free)


def test_the_weight_of_an_order_is_unit_weight_times_quantity() -> None:
    pricing = price_order(order(line(gbp("10.00"), 3, weight_grams=700), shipping=ship("uk-heavy")))

    assert pricing.shipping is not None
    assert pricing.shipping.base == gbp("12.00")


def test_shipping_is_taxed_on_the_channel_basis_and_explained() -> None:
    pricing = price_order(order(line(gbp("55.00")), shipping=ship("uk-standard")))

    assert pricing.shipping is not None
    assert pricing.shipping.adjustments == (
        Adjustment(AdjustmentKind.SHIPPING_THRESHOLD, "uk-standard", "Standard: free over 50.00", gbp("2.99")),
    )
    assert pricing.shipping.total == TaxedMoney(net=gbp("0.00"), gross=gbp("0.00"))


def test_a_gross_shipping_rate_includes_its_tax() -> None:
    pricing = price_order(order(line(gbp("10.00")), shipping=ship("uk-standard")))

    assert pricing.shipping is not None
    assert pricing.shipping.total == TaxedMoney(net=gbp("4.16"), gross=gbp("4.99"))
    assert pricing.total == TaxedMoney(net=gbp("12.49"), gross=gbp("14.99"))


def test_without_a_chosen_method_the_order_has_no_shipping() -> None:
    pricing = price_order(order(line(gbp("10.00"))))

    assert pricing.shipping is None
    assert pricing.total.gross == gbp("10.00")


def test_a_country_without_shipping_is_refused_with_a_stable_code() -> None:
    with pytest.raises(NoShippingToCountry) as caught:
        price_order(order(line(gbp("10.00")), shipping=ship("uk-standard", country="FR")))

    assert caught.value.code == "NO_SHIPPING_TO_COUNTRY"


def test_a_method_with_no_band_for_the_order_is_unavailable() -> None:
    with pytest.raises(ShippingMethodUnavailable) as caught:
        price_order(order(line(gbp("10.00"), weight_grams=10_000), shipping=ship("uk-heavy")))

    assert caught.value.code == "SHIPPING_METHOD_UNAVAILABLE"


def test_a_method_that_does_not_ship_there_is_unavailable() -> None:
    with pytest.raises(ShippingMethodUnavailable):
        price_order(order(line(gbp("10.00")), shipping=ship("us-standard")))


def test_shipping_options_list_the_methods_with_a_band_for_the_order() -> None:
    methods = SHIPPING_TABLE.lookup(channel="uk", country="GB")

    options = shipping_options(methods, channel=UK, subtotal=gbp("40.00"), weight_grams=12_000)

    assert [(o.method.id, o.price) for o in options] == [("uk-standard", gbp("2.99"))]


def test_methods_priced_in_another_currency_are_refused() -> None:
    with pytest.raises(ChannelCurrencyMismatch):
        shipping_options([US_STANDARD], channel=UK, subtotal=gbp("1.00"), weight_grams=0)


async def test_the_built_in_table_answers_the_shipping_rates_port_by_zone_and_channel() -> None:
    rates: ShippingRates = SHIPPING_TABLE

    assert await rates.methods_for(channel="uk", destination=Destination("GB")) == (UK_STANDARD, UK_HEAVY)
    assert await rates.methods_for(channel="us", destination=Destination("US")) == (US_STANDARD,)
    assert await rates.methods_for(channel="us", destination=Destination("GB")) == ()


def test_a_shipping_choice_carries_the_destination() -> None:
    choice = ship("us-standard", channel=US)

    assert choice == ShippingChoice(method_id="us-standard", destination=Destination("US"), methods=(US_STANDARD,))


def _method(*bands: PriceBand | WeightBand, free_over: Money | None = None) -> ShippingMethod:
    return ShippingMethod(id="m", name="M", zone_id="uk", bands=bands, free_over=free_over, tax_class=TaxClass.ZERO)


@pytest.mark.parametrize(
    "build",
    [
        lambda: _method(),
        lambda: _method(PriceBand(gbp("0"), None, gbp("1")), WeightBand(0, None, gbp("1"))),
        lambda: _method(PriceBand(gbp("0"), gbp("20"), gbp("1")), PriceBand(gbp("10"), None, gbp("1"))),
        lambda: _method(PriceBand(gbp("0"), None, gbp("1")), PriceBand(gbp("10"), None, gbp("1"))),
        lambda: _method(PriceBand(gbp("0"), None, gbp("1")), free_over=eur("50")),
        lambda: _method(WeightBand(10, 5, gbp("1"))),
        lambda: _method(WeightBand(-1, None, gbp("1"))),
        lambda: _method(WeightBand(0, None, gbp("-1"))),
        lambda: _method(PriceBand(eur("0"), None, gbp("1"))),
        lambda: _method(PriceBand(gbp("0"), gbp("5"), gbp("1")), PriceBand(gbp("5"), None, eur("1"))),
    ],
    ids=[
        "no band",
        "mixed kinds",
        "overlapping",
        "two open ceilings",
        "threshold in another currency",
        "ceiling under floor",
        "negative weight",
        "negative price",
        "bound in another currency",
        "bands in two currencies",
    ],
)
def test_malformed_rates_are_refused(build: Callable[[], ShippingMethod]) -> None:
    with pytest.raises(InvalidShippingRate):
        build()
