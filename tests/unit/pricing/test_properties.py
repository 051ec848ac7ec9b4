"""Properties of the engine over generated carts, promotions, vouchers and shipping, in four currencies."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import fields, is_dataclass, replace
from decimal import Decimal
from functools import cache
from random import Random
from typing import TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.pricing.breakdown import OrderPricing
from domain.pricing.engine import price_order, price_variant
from domain.pricing.errors import ChannelCurrencyMismatch
from domain.pricing.inputs import OrderLineInput, OrderRequest, PricingContext, PricingRules, ShippingChoice
from domain.pricing.model import (
    Channel,
    ChannelPrice,
    Destination,
    FixedOff,
    Percentage,
    PercentageOff,
    PriceBasis,
    ProductFacts,
    Reward,
    Schedule,
    Target,
    TaxClass,
)
from domain.pricing.promotions import (
    BuyXGetY,
    CataloguePromotion,
    FreeShippingOver,
    OrderPromotion,
    OrderRule,
    SpendThreshold,
)
from domain.pricing.shipping import PriceBand, ShippingMethod, WeightBand
from domain.pricing.tax import TaxRates
from domain.pricing.vouchers import Voucher, VoucherUsage
from domain.shared.money import Money, minor_unit_exponent
from tests.unit.pricing import GB_RATES, NOW, TOMORROW, UK, US, US_RATES, YESTERDAY

JP = Channel(slug="jp", currency="JPY", default_country="JP", prices_include_tax=True)
KW = Channel(slug="kw", currency="KWD", default_country="KW", prices_include_tax=False)
RATES = {
    "uk": GB_RATES,
    "us": US_RATES,
    "jp": TaxRates(country="JP", standard=Percentage.of(10), reduced=Percentage.of(8)),
    "kw": TaxRates(country="KW", standard=Percentage.of("5"), reduced=Percentage.of("2.5")),
}
SCHEDULES = [Schedule(), Schedule(ends_at=YESTERDAY), Schedule(starts_at=TOMORROW), Schedule(YESTERDAY, TOMORROW)]
PROPERTY = settings(max_examples=200, deadline=None)
T = TypeVar("T")
UP_TO_2, UP_TO_3, UP_TO_4, UP_TO_5 = (st.integers(min_value=0, max_value=n) for n in (2, 3, 4, 5))
ONE_TO_6 = st.integers(min_value=1, max_value=6)
GRAMS = st.integers(min_value=0, max_value=1_500)
BOOLEANS = st.booleans()
SCHEDULE_CHOICES = st.sampled_from(SCHEDULES)
CHANNEL_CHOICES = st.sampled_from([UK, US, JP, KW])
METHOD_CHOICES = st.sampled_from([None, "price", "weight"])
CUSTOMERS = st.sampled_from([None, "alice"])
CODES = st.sampled_from(["V0", "V1", "V2", "v0", "NOPE"])  # the vouchers drawn are V0..V2, some of them
LIMITS = st.none() | st.integers(min_value=1, max_value=3)
CUSTOMER_LIMITS = st.none() | st.integers(min_value=1, max_value=2)


def money(currency: str, units: int) -> Money:
    return Money(Decimal(units).scaleb(-minor_unit_exponent(currency)), currency)


@cache
def amounts(currency: str, *, low: int = 0, high: int = 50_000) -> st.SearchStrategy[Money]:
    return st.integers(min_value=low, max_value=high).map(lambda units: money(currency, units))


TARGETS = [
    None,
    Target(product_ids=frozenset({1})),
    Target(variant_ids=frozenset({2, 3})),
    Target(category_ids=frozenset({2})),
    Target(collection_ids=frozenset({1})),
    Target(product_ids=frozenset({4}), category_ids=frozenset({3})),
]
targets = st.sampled_from(TARGETS)
PRODUCTS = [
    ProductFacts(product_id=1, category_path=frozenset({1, 2}), collection_ids=frozenset({1})),
    ProductFacts(product_id=2, category_path=frozenset({1, 3}), tax_class=TaxClass.REDUCED),
    ProductFacts(product_id=3, category_path=frozenset({4}), collection_ids=frozenset({1}), tax_class=TaxClass.ZERO),
    ProductFacts(product_id=4),
]
PRODUCT_FACTS = st.sampled_from(PRODUCTS)


@cache
def minimums(currency: str) -> st.SearchStrategy[Money | None]:
    return st.none() | amounts(currency, high=100_000)


@cache
def rewards(currency: str) -> st.SearchStrategy[Reward]:
    percentages = st.decimals(min_value=0, max_value=100, places=2).map(lambda d: PercentageOff(Percentage(d)))
    return st.one_of(percentages, amounts(currency, low=1, high=20_000).map(FixedOff))


@cache
def channels_of(channel: Channel) -> st.SearchStrategy[frozenset[str]]:
    return st.sampled_from(
        [frozenset({channel.slug}), frozenset({channel.slug, "elsewhere"}), frozenset({"elsewhere"})]
    )


@st.composite
def lines(draw: st.DrawFn, channel: Channel) -> tuple[OrderLineInput, ...]:
    count = draw(UP_TO_5)
    return tuple(
        OrderLineInput(
            price=ChannelPrice(variant_id=i + 1, channel=channel.slug, amount=draw(amounts(channel.currency))),
            product=draw(PRODUCT_FACTS),
            quantity=draw(ONE_TO_6),
            weight_grams=draw(GRAMS),
        )
        for i in range(count)
    )


@st.composite
def catalogue_promotions(draw: st.DrawFn, channel: Channel) -> tuple[CataloguePromotion, ...]:
    count = draw(UP_TO_4)
    return tuple(
        CataloguePromotion(
            id=f"c{i}",
            name=f"Catalogue {i}",
            reward=draw(rewards(channel.currency)),
            target=draw(targets),
            channels=draw(channels_of(channel)),
            schedule=draw(SCHEDULE_CHOICES),
            priority=draw(UP_TO_3),
            stackable=draw(BOOLEANS),
        )
        for i in range(count)
    )


@cache
def order_rules(currency: str) -> st.SearchStrategy[OrderRule]:
    return st.one_of(
        st.builds(SpendThreshold, minimum=amounts(currency, high=100_000), reward=rewards(currency)),
        st.builds(
            BuyXGetY,
            buy=st.integers(min_value=1, max_value=3),
            get=st.integers(min_value=1, max_value=2),
            target=targets,
        ),
        st.builds(FreeShippingOver, minimum=amounts(currency, high=100_000)),
    )


@st.composite
def order_promotions(draw: st.DrawFn, channel: Channel) -> tuple[OrderPromotion, ...]:
    count = draw(UP_TO_3)
    return tuple(
        OrderPromotion(
            id=f"o{i}",
            name=f"Order {i}",
            rule=draw(order_rules(channel.currency)),
            channels=draw(channels_of(channel)),
            schedule=draw(SCHEDULE_CHOICES),
            priority=draw(UP_TO_3),
            stackable=draw(BOOLEANS),
        )
        for i in range(count)
    )


@st.composite
def vouchers(draw: st.DrawFn, channel: Channel) -> tuple[Voucher, ...]:
    count = draw(UP_TO_3)
    return tuple(
        Voucher(
            code=f"V{i}",
            name=f"Voucher {i}",
            reward=draw(rewards(channel.currency)),
            channels=draw(channels_of(channel)),
            target=draw(targets),
            schedule=draw(SCHEDULE_CHOICES),
            minimum_subtotal=draw(minimums(channel.currency)),
            usage_limit=draw(LIMITS),
            usage_limit_per_customer=draw(CUSTOMER_LIMITS),
            once_per_order=draw(BOOLEANS),
        )
        for i in range(count)
    )


@cache
def shipping_methods(channel: Channel) -> tuple[ShippingMethod, ...]:
    def m(units: int) -> Money:
        return money(channel.currency, units)

    by_price = ShippingMethod(
        id="price",
        name="By price",
        zone_id="z",
        bands=(PriceBand(m(0), m(5_000), m(499)), PriceBand(m(5_000), None, m(299))),
        free_over=m(20_000),
    )
    by_weight = ShippingMethod(
        id="weight",
        name="By weight",
        zone_id="z",
        bands=(WeightBand(0, 5_000, m(600)), WeightBand(5_000, None, m(1_200))),
        tax_class=TaxClass.REDUCED,
    )
    return (by_price, by_weight)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[OrderRequest, PricingRules]:
    channel = draw(CHANNEL_CHOICES)
    rules = PricingRules(
        catalogue_promotions=draw(catalogue_promotions(channel)),
        order_promotions=draw(order_promotions(channel)),
        vouchers=draw(vouchers(channel)),
    )
    rules = replace(
        rules,
        voucher_usage=tuple(
            VoucherUsage(v.code, total=draw(UP_TO_3), by_customer=draw(UP_TO_2)) for v in rules.vouchers
        ),
    )
    codes = draw(st.lists(CODES, max_size=4))
    method = draw(METHOD_CHOICES)
    shipping = (
        None
        if method is None
        else ShippingChoice(method, Destination(channel.default_country), shipping_methods(channel))
    )
    request = OrderRequest(
        context=PricingContext(channel=channel, now=NOW, tax_rates=RATES[channel.slug]),
        lines=draw(lines(channel)),
        customer_id=draw(CUSTOMERS),
        voucher_codes=tuple(codes),
        shipping=shipping,
    )
    return request, rules


def monies(value: object) -> Iterator[Money]:
    """Yield every amount anywhere inside a priced result."""
    if isinstance(value, Money):
        yield value
    elif is_dataclass(value) and not isinstance(value, type):
        for field in fields(value):
            yield from monies(getattr(value, field.name))
    elif isinstance(value, tuple):
        for item in value:
            yield from monies(item)


def entered_total(pricing: OrderPricing) -> Money:
    """Return the sum of lines plus shipping minus every discount, on the channel's entered basis."""
    total = pricing.undiscounted_subtotal
    for line in pricing.lines:
        total = total - line.discount
    if pricing.shipping is not None:
        total = total + pricing.shipping.base - pricing.shipping.discount
    return total


@PROPERTY
@given(scenarios())
def test_the_total_is_lines_plus_shipping_minus_discounts_with_tax_added_or_included(
    scenario: tuple[OrderRequest, PricingRules],
) -> None:
    pricing = price_order(*scenario)

    charged = [line.total for line in pricing.lines] + ([pricing.shipping.total] if pricing.shipping else [])
    assert pricing.total.gross.amount == sum((c.gross.amount for c in charged), Decimal(0))
    assert pricing.total.net.amount == sum((c.net.amount for c in charged), Decimal(0))
    assert pricing.tax == pricing.total.gross - pricing.total.net
    if pricing.basis is PriceBasis.GROSS:
        assert pricing.total.gross == entered_total(pricing)
    else:
        assert pricing.total.gross == entered_total(pricing) + pricing.tax
    all_discounts = [ln.discount for ln in pricing.lines] + ([pricing.shipping.discount] if pricing.shipping else [])
    assert pricing.discount_total.amount == sum((d.amount for d in all_discounts), Decimal(0))


@PROPERTY
@given(scenarios())
def test_no_amount_is_ever_negative_and_every_amount_is_in_whole_minor_units(
    scenario: tuple[OrderRequest, PricingRules],
) -> None:
    pricing = price_order(*scenario)

    for amount in monies(pricing):
        assert not amount.is_negative()
        assert amount == amount.rounded()


@PROPERTY
@given(scenarios())
def test_discounts_never_exceed_the_amount_they_discount(scenario: tuple[OrderRequest, PricingRules]) -> None:
    pricing = price_order(*scenario)

    for line in pricing.lines:
        assert line.unit.discount <= line.unit.base
        assert line.unit.price.entered(line.unit.basis) == line.unit.base - line.unit.discount
        assert line.discount <= line.base
        assert line.total.entered(pricing.basis) == line.base - line.discount
        assert all(a.amount.amount > 0 for a in line.adjustments)
    if pricing.shipping is not None:
        assert pricing.shipping.discount <= pricing.shipping.base


@PROPERTY
@given(scenarios())
def test_repricing_is_idempotent(scenario: tuple[OrderRequest, PricingRules]) -> None:
    request, rules = scenario

    first = price_order(request, rules)
    again = price_order(request, rules)
    kept = price_order(replace(request, voucher_codes=first.applied_vouchers), rules)

    assert again == first
    assert kept == replace(first, removed_vouchers=())


def shuffled(rng: Random, items: tuple[T, ...]) -> tuple[T, ...]:
    return tuple(rng.sample(items, len(items)))


@PROPERTY
@given(scenarios(), st.randoms(use_true_random=False))
def test_promotions_vouchers_and_codes_in_any_order_give_the_same_result(
    scenario: tuple[OrderRequest, PricingRules], rng: Random
) -> None:
    request, rules = scenario
    reordered = PricingRules(
        catalogue_promotions=shuffled(rng, rules.catalogue_promotions),
        order_promotions=shuffled(rng, rules.order_promotions),
        vouchers=shuffled(rng, rules.vouchers),
        voucher_usage=shuffled(rng, rules.voucher_usage),
    )

    shuffled_request = replace(request, voucher_codes=shuffled(rng, request.voucher_codes))

    assert price_order(shuffled_request, reordered) == price_order(request, rules)


@PROPERTY
@given(scenarios())
def test_currencies_never_mix(scenario: tuple[OrderRequest, PricingRules]) -> None:
    request, rules = scenario

    pricing = price_order(request, rules)

    assert {m.currency for m in monies(pricing)} <= {request.context.channel.currency}


@PROPERTY
@given(scenarios(), st.sampled_from(["GBP", "USD", "JPY", "KWD", "EUR"]))
def test_a_line_priced_in_another_currency_is_always_refused(
    scenario: tuple[OrderRequest, PricingRules], currency: str
) -> None:
    request, rules = scenario
    channel = request.context.channel
    stranger = OrderLineInput(
        price=ChannelPrice(variant_id=99, channel=channel.slug, amount=money(currency, 100)),
        product=ProductFacts(product_id=99),
        quantity=1,
    )
    mixed = replace(request, lines=(*request.lines, stranger))

    if currency == channel.currency:
        price_order(mixed, rules)
    else:
        with pytest.raises(ChannelCurrencyMismatch):
            price_order(mixed, rules)


@PROPERTY
@given(scenarios(), st.randoms(use_true_random=False))
def test_a_unit_price_never_goes_below_zero_and_ignores_promotion_order(
    scenario: tuple[OrderRequest, PricingRules], rng: Random
) -> None:
    request, rules = scenario
    promotions = list(rules.catalogue_promotions)
    for line in request.lines:
        unit = price_variant(price=line.price, product=line.product, context=request.context, promotions=promotions)
        rng.shuffle(promotions)
        again = price_variant(price=line.price, product=line.product, context=request.context, promotions=promotions)

        assert unit == again
        assert not unit.price.net.is_negative()
        assert unit.discount <= unit.base
