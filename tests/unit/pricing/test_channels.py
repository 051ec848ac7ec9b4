"""Channels and channel prices: which channel a query gets, prices with and without tax, ranges, bad input."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.pricing.engine import price_order, price_product, price_variant
from domain.pricing.errors import (
    ChannelCurrencyMismatch,
    InvalidCountry,
    InvalidPrice,
    InvalidQuantity,
    ProductNotInChannel,
    UnknownChannel,
)
from domain.pricing.model import Channel, ChannelPrice, Channels, PriceBasis, TaxedMoney
from domain.shared.money import CurrencyMismatch, InvalidCurrency, Money
from tests.unit.pricing import EU, UK, US, context, eur, gbp, line, order, product, usd

CHANNELS = Channels([UK, EU, US], default="uk")


def test_a_price_query_without_a_channel_gets_the_configured_default() -> None:
    assert CHANNELS.get(None) is UK


def test_a_price_query_gets_the_channel_it_names() -> None:
    assert CHANNELS.get("us") is US


def test_an_unknown_channel_is_refused_with_a_stable_code() -> None:
    with pytest.raises(UnknownChannel) as caught:
        CHANNELS.get("mars")

    assert caught.value.code == "UNKNOWN_CHANNEL"
    assert caught.value.field == "channel"


def test_a_default_channel_that_is_not_configured_is_refused() -> None:
    with pytest.raises(UnknownChannel):
        Channels([UK], default="eu")


def test_a_channel_refuses_a_bad_currency_or_country() -> None:
    with pytest.raises(InvalidCurrency):
        Channel(slug="x", currency="pounds", default_country="GB", prices_include_tax=True)
    with pytest.raises(InvalidCountry):
        Channel(slug="x", currency="GBP", default_country="GBR", prices_include_tax=True)


@pytest.mark.parametrize(
    ("channel", "amount", "basis", "net", "gross"),
    [
        (UK, gbp("10.00"), PriceBasis.GROSS, gbp("8.33"), gbp("10.00")),
        (EU, eur("10.00"), PriceBasis.GROSS, eur("8.40"), eur("10.00")),
        (US, usd("10.00"), PriceBasis.NET, usd("10.00"), usd("10.89")),
    ],
)
def test_a_unit_price_has_both_sides_and_says_which_one_was_entered(
    channel: Channel, amount: Money, basis: PriceBasis, net: Money, gross: Money
) -> None:
    price = ChannelPrice(variant_id=1, channel=channel.slug, amount=amount)

    unit = price_variant(price=price, product=product(), context=context(channel))

    assert unit.basis is basis
    assert unit.base == amount
    assert unit.price == TaxedMoney(net=net, gross=gross)
    assert unit.undiscounted == unit.price
    assert unit.on_sale is False


def test_a_compare_at_price_is_shown_with_tax_but_never_changes_the_price() -> None:
    price = ChannelPrice(variant_id=1, channel="uk", amount=gbp("10.00"), compare_at=gbp("15.00"))

    unit = price_variant(price=price, product=product(), context=context(UK))

    assert unit.compare_at == TaxedMoney(net=gbp("12.50"), gross=gbp("15.00"))
    assert unit.price.gross == gbp("10.00")
    assert unit.discount == gbp("0.00")


def test_a_product_price_range_runs_from_the_cheapest_to_the_dearest_variant_in_the_channel() -> None:
    prices = [
        ChannelPrice(variant_id=1, channel="uk", amount=gbp("12.00")),
        ChannelPrice(variant_id=2, channel="uk", amount=gbp("9.00")),
        ChannelPrice(variant_id=3, channel="uk", amount=gbp("15.00")),
        ChannelPrice(variant_id=3, channel="us", amount=usd("1.00")),
    ]

    priced = price_product(prices=prices, product=product(), context=context(UK))

    assert [u.variant_id for u in priced.variants] == [1, 2, 3]
    assert priced.price_range.start == TaxedMoney(net=gbp("7.50"), gross=gbp("9.00"))
    assert priced.price_range.stop == TaxedMoney(net=gbp("12.50"), gross=gbp("15.00"))
    assert priced.undiscounted_range == priced.price_range


def test_a_product_without_a_price_in_the_channel_is_not_sold_there() -> None:
    prices = [ChannelPrice(variant_id=1, channel="us", amount=usd("10.00"))]

    with pytest.raises(ProductNotInChannel) as caught:
        price_product(prices=prices, product=product(7), context=context(UK))

    assert caught.value.code == "PRODUCT_NOT_IN_CHANNEL"


def test_a_variant_priced_for_another_channel_is_not_sold_in_this_one() -> None:
    price = ChannelPrice(variant_id=1, channel="us", amount=usd("10.00"))

    with pytest.raises(ProductNotInChannel):
        price_variant(price=price, product=product(), context=context(UK))


def test_a_price_in_another_currency_than_the_channel_is_refused() -> None:
    price = ChannelPrice(variant_id=1, channel="uk", amount=eur("10.00"))

    with pytest.raises(ChannelCurrencyMismatch) as caught:
        price_variant(price=price, product=product(), context=context(UK))

    assert caught.value.code == "CHANNEL_CURRENCY_MISMATCH"
    assert isinstance(caught.value, CurrencyMismatch)


def test_an_order_line_in_another_currency_than_the_channel_is_refused() -> None:
    with pytest.raises(ChannelCurrencyMismatch):
        price_order(order(line(gbp("10.00"), channel=UK), line(eur("5.00"), variant_id=2, channel=UK)))


@pytest.mark.parametrize(
    ("amount", "compare_at"),
    [(Money(Decimal("-1.00"), "GBP"), None), (Money(Decimal("1.001"), "GBP"), None), (gbp("1"), eur("2"))],
)
def test_a_negative_or_unrounded_price_is_refused(amount: Money, compare_at: Money | None) -> None:
    with pytest.raises(InvalidPrice) as caught:
        ChannelPrice(variant_id=1, channel="uk", amount=amount, compare_at=compare_at)

    assert caught.value.code == "INVALID_PRICE"


@pytest.mark.parametrize("quantity", [0, -1, 10_001])
def test_a_line_quantity_outside_one_to_the_limit_is_refused(quantity: int) -> None:
    with pytest.raises(InvalidQuantity):
        line(gbp("1.00"), quantity)
