"""Factories for pricing tests: the channels, rates and shipping table of docs/pricing.md, and short builders."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from domain.pricing.inputs import OrderLineInput, OrderRequest, PricingContext, ShippingChoice
from domain.pricing.model import Channel, ChannelPrice, Destination, Percentage, ProductFacts, TaxClass
from domain.pricing.shipping import PriceBand, ShippingMethod, ShippingTable, ShippingZone, WeightBand
from domain.pricing.tax import TaxRates, TaxTable
from domain.shared.money import Money

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
YESTERDAY = NOW - timedelta(days=1)
TOMORROW = NOW + timedelta(days=1)

UK = Channel(slug="uk", currency="GBP", default_country="GB", prices_include_tax=True)
EU = Channel(slug="eu", currency="EUR", default_country="DE", prices_include_tax=True)
US = Channel(slug="us", currency="USD", default_country="US", prices_include_tax=False)

GB_RATES = TaxRates(country="GB", standard=Percentage.of(20), reduced=Percentage.of(5))
DE_RATES = TaxRates(country="DE", standard=Percentage.of(19), reduced=Percentage.of(7))
US_RATES = TaxRates(country="US", standard=Percentage.of("8.875"), reduced=Percentage.of(4))
TAX_TABLE = TaxTable([GB_RATES, DE_RATES, US_RATES])
RATES_BY_CHANNEL = {"uk": GB_RATES, "eu": DE_RATES, "us": US_RATES}


def gbp(amount: str) -> Money:
    return Money.of(amount, "GBP")


def usd(amount: str) -> Money:
    return Money.of(amount, "USD")


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


def context(channel: Channel = UK, *, now: datetime = NOW, rates: TaxRates | None = None) -> PricingContext:
    """Return a pricing context in a channel, taxed at the channel's home rates unless told otherwise."""
    return PricingContext(channel=channel, now=now, tax_rates=rates or RATES_BY_CHANNEL[channel.slug])


def product(
    product_id: int = 1,
    *,
    categories: Sequence[int] = (),
    collections: Sequence[int] = (),
    tax_class: TaxClass = TaxClass.STANDARD,
) -> ProductFacts:
    return ProductFacts(
        product_id=product_id,
        category_path=frozenset(categories),
        collection_ids=frozenset(collections),
        tax_class=tax_class,
    )


def line(
    amount: Money,
    quantity: int = 1,
    *,
    variant_id: int = 1,
    facts: ProductFacts | None = None,
    channel: Channel = UK,
    weight_grams: int = 0,
) -> OrderLineInput:
    """Return a cart line of a variant listed in the channel at `amount`."""
    return OrderLineInput(
        price=ChannelPrice(variant_id=variant_id, channel=channel.slug, amount=amount),
        product=facts or product(variant_id),
        quantity=quantity,
        weight_grams=weight_grams,
    )


def order(
    *lines: OrderLineInput,
    channel: Channel = UK,
    codes: Sequence[str] = (),
    customer_id: str | None = None,
    shipping: ShippingChoice | None = None,
) -> OrderRequest:
    return OrderRequest(
        context=context(channel),
        lines=tuple(lines),
        customer_id=customer_id,
        voucher_codes=tuple(codes),
        shipping=shipping,
    )


# --- the shipping table of docs/pricing.md --------------------------------------------------------------------------

UK_ZONE = ShippingZone(id="uk", name="United Kingdom", countries=frozenset({"GB"}), channels=frozenset({"uk"}))
US_ZONE = ShippingZone(id="us", name="United States", countries=frozenset({"US"}), channels=frozenset({"us"}))
UK_STANDARD = ShippingMethod(
    id="uk-standard",
    name="Standard",
    zone_id="uk",
    bands=(
        PriceBand(minimum=gbp("0"), maximum=gbp("30"), price=gbp("4.99")),
        PriceBand(minimum=gbp("30"), maximum=None, price=gbp("2.99")),
    ),
    free_over=gbp("50"),
)
UK_HEAVY = ShippingMethod(
    id="uk-heavy",
    name="Heavy goods",
    zone_id="uk",
    bands=(
        WeightBand(min_grams=0, max_grams=2_000, price=gbp("6.00")),
        WeightBand(min_grams=2_000, max_grams=10_000, price=gbp("12.00")),
    ),
)
US_STANDARD = ShippingMethod(
    id="us-standard",
    name="Ground",
    zone_id="us",
    bands=(PriceBand(minimum=usd("0"), maximum=None, price=usd("7.50")),),
    free_over=usd("100"),
)
SHIPPING_TABLE = ShippingTable(zones=[UK_ZONE, US_ZONE], methods=[UK_STANDARD, UK_HEAVY, US_STANDARD])


def ship(method_id: str, *, channel: Channel = UK, country: str | None = None) -> ShippingChoice:
    """Return a shipping choice with the methods the built-in table offers at the destination."""
    destination = Destination(country or channel.default_country)
    methods = SHIPPING_TABLE.lookup(channel=channel.slug, country=destination.country)
    return ShippingChoice(method_id=method_id, destination=destination, methods=methods)
