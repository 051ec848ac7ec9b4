"""Pricing many products at once (`price_products`) gives, unit for unit, what pricing each variant alone gives."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.pricing.breakdown import PricedUnit, TaxedRange
from domain.pricing.engine import price_product, price_products, price_variant
from domain.pricing.errors import DuplicatePromotion, ProductNotInChannel
from domain.pricing.inputs import PricingContext, ProductInputs
from domain.pricing.model import Channel, ChannelPrice, Percentage, PercentageOff, Target, TaxClass, TaxedMoney
from domain.pricing.promotions import CataloguePromotion
from domain.shared.money import Money
from tests.unit.pricing import NOW, UK, US, context, gbp, product
from tests.unit.pricing.test_properties import JP, KW, PRODUCTS, PROPERTY, RATES, amounts, catalogue_promotions

Scenario = tuple[PricingContext, tuple[ProductInputs, ...], tuple[CataloguePromotion, ...]]


@st.composite
def catalogues(draw: st.DrawFn, channel: Channel) -> tuple[ProductInputs, ...]:
    """Draw up to four products of one to five variants; prices repeat often, as in a real catalogue."""
    variant_ids = iter(range(1, 100))  # 2 and 3 are the variants the drawn promotions may target
    prices = st.sampled_from([draw(amounts(channel.currency)) for _ in range(2)]) | amounts(channel.currency)
    found = []
    for facts in draw(st.lists(st.sampled_from(PRODUCTS), max_size=4)):
        listed = []
        for position in range(draw(st.integers(min_value=1, max_value=5))):
            amount = draw(prices)
            compare_at = draw(st.none() | st.just(amount) | prices)
            # The first variant is sold in the channel; others may be priced only elsewhere.
            where = channel.slug if position == 0 else draw(st.sampled_from([channel.slug, "elsewhere"]))
            listed.append(ChannelPrice(next(variant_ids), where, amount, compare_at))
        draw(st.randoms(use_true_random=False)).shuffle(listed)
        found.append(ProductInputs(facts=facts, prices=tuple(listed)))
    return tuple(found)


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    channel = draw(st.sampled_from([UK, US, JP, KW]))
    pricing = PricingContext(channel=channel, now=NOW, tax_rates=RATES[channel.slug])
    return pricing, draw(catalogues(channel)), draw(catalogue_promotions(channel))


def _alone(
    inputs: ProductInputs, pricing: PricingContext, promotions: tuple[CataloguePromotion, ...]
) -> list[PricedUnit]:
    """Price each variant the channel sells on its own: the reference."""
    listed = sorted((p for p in inputs.prices if p.channel == pricing.channel.slug), key=lambda p: p.variant_id)
    return [price_variant(price=p, product=inputs.facts, context=pricing, promotions=promotions) for p in listed]


def _range(prices: list[TaxedMoney], pricing: PricingContext) -> TaxedRange:
    basis = pricing.channel.basis

    def entered(price: TaxedMoney) -> Decimal:
        return price.entered(basis).amount

    return TaxedRange(start=min(prices, key=entered), stop=max(prices, key=entered))


@PROPERTY
@given(scenarios())
def test_many_products_are_priced_as_each_variant_alone(scenario: Scenario) -> None:
    pricing, catalogue, promotions = scenario

    priced = price_products(catalogue, context=pricing, promotions=promotions)

    assert len(priced) == len(catalogue)
    for inputs, found in zip(catalogue, priced, strict=True):
        alone = _alone(inputs, pricing, promotions)
        assert repr(found.variants) == repr(tuple(alone))  # repr: amounts alike down to their exponent
        assert found.product_id == inputs.facts.product_id
        assert found.price_range == _range([u.price for u in alone], pricing)
        assert found.undiscounted_range == _range([u.undiscounted for u in alone], pricing)
        one = price_product(prices=inputs.prices, product=inputs.facts, context=pricing, promotions=promotions)
        assert repr(one) == repr(found)


def test_a_promotion_on_one_variant_lowers_only_that_variant_of_the_product() -> None:
    promotion = CataloguePromotion(
        id="v2",
        name="Variant 2",
        reward=PercentageOff(Percentage.of(10)),
        target=Target(variant_ids=frozenset({2})),
        channels=frozenset({"uk"}),
    )
    prices = tuple(ChannelPrice(variant_id=v, channel="uk", amount=gbp("10.00")) for v in (1, 2, 3))

    (priced,) = price_products([ProductInputs(product(), prices)], context=context(UK), promotions=[promotion])

    assert [u.price.gross for u in priced.variants] == [gbp("10.00"), gbp("9.00"), gbp("10.00")]
    assert [u.on_sale for u in priced.variants] == [False, True, False]
    assert priced.price_range == TaxedRange(start=priced.variants[1].price, stop=priced.variants[0].price)


def test_alike_units_of_different_products_keep_their_own_variant_ids_and_tax_classes() -> None:
    standard = ProductInputs(product(1), (ChannelPrice(variant_id=1, channel="uk", amount=gbp("12.00")),))
    reduced = ProductInputs(
        product(2, tax_class=TaxClass.REDUCED), (ChannelPrice(variant_id=2, channel="uk", amount=gbp("12.00")),)
    )
    again = ProductInputs(product(3), (ChannelPrice(variant_id=3, channel="uk", amount=gbp("12.00")),))

    first, second, third = price_products([standard, reduced, again], context=context(UK))

    assert [p.variants[0].variant_id for p in (first, second, third)] == [1, 2, 3]
    assert first.variants[0].price == TaxedMoney(net=gbp("10.00"), gross=gbp("12.00"))
    assert second.variants[0].price == TaxedMoney(net=gbp("11.43"), gross=gbp("12.00"))
    assert third.variants[0].price == first.variants[0].price


def test_equal_amounts_written_differently_are_priced_apart() -> None:
    short, long = Money(Decimal("10"), "GBP"), Money(Decimal("10.00"), "GBP")
    prices = (ChannelPrice(1, "uk", short), ChannelPrice(2, "uk", long))

    (priced,) = price_products([ProductInputs(product(), prices)], context=context(UK))

    assert [str(u.base.amount) for u in priced.variants] == ["10", "10.00"]
    assert repr(priced.variants[0]) == repr(price_variant(price=prices[0], product=product(), context=context(UK)))


def test_a_product_not_sold_in_the_channel_is_refused_among_many() -> None:
    sold = ProductInputs(product(1), (ChannelPrice(variant_id=1, channel="uk", amount=gbp("1.00")),))
    elsewhere = ProductInputs(product(2), (ChannelPrice(variant_id=2, channel="us", amount=Money.of("1", "USD")),))

    with pytest.raises(ProductNotInChannel):
        price_products([sold, elsewhere], context=context(UK))


def test_two_promotions_with_one_id_are_refused_even_when_neither_is_live() -> None:
    ended = CataloguePromotion(
        id="same", name="A", reward=PercentageOff(Percentage.of(5)), target=None, channels=frozenset({"eu"})
    )
    sold = ProductInputs(product(1), (ChannelPrice(variant_id=1, channel="uk", amount=gbp("1.00")),))

    with pytest.raises(DuplicatePromotion):
        price_products([sold], context=context(UK), promotions=[ended, ended])


def test_no_products_price_to_nothing() -> None:
    assert price_products([], context=context(UK)) == ()
