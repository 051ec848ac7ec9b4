"""Catalogue prices: one unit of a variant, and every variant of many products, with the catalogue promotions.

`price_variant` is the reference: it checks every promotion against the variant. `price_products` gives the same
units for many products at once, doing once what does not depend on the variant: the promotions are ordered and
filtered to those live in the channel now once per call, the ones that cover a product are found once per product,
and units alike in price, promotions and tax class are priced once per call (tests/unit/pricing/test_catalogue.py
checks the two agree).
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import attrgetter

from domain.pricing.amounts import sum_money
from domain.pricing.breakdown import PricedProduct, PricedUnit, TaxedRange
from domain.pricing.errors import ProductNotInChannel
from domain.pricing.inputs import PricingContext, ProductInputs
from domain.pricing.model import Channel, ChannelPrice, ProductFacts, TaxClass, TaxedMoney
from domain.pricing.promotions import CataloguePromotion, discount_unit
from domain.pricing.stacking import canonical
from domain.pricing.tax import apply_tax


def _check_listed(price: ChannelPrice, channel: Channel) -> None:
    if price.channel != channel.slug:
        raise ProductNotInChannel(f"Variant {price.variant_id} is not sold in channel {channel.slug!r}.")
    channel.require_currency(price.amount, what=f"The price of variant {price.variant_id}")


def price_variant(
    *,
    price: ChannelPrice,
    product: ProductFacts,
    context: PricingContext,
    promotions: Sequence[CataloguePromotion] = (),
) -> PricedUnit:
    """Price one unit of a variant in a channel, with the catalogue promotions that apply to it now."""
    channel = context.channel
    _check_listed(price, channel)
    applicable = tuple(
        p
        for p in canonical(promotions)
        if p.applies(channel=channel, now=context.now, variant_id=price.variant_id, product=product)
    )
    return _priced(price=price, product=product, context=context, applicable=applicable)


def _priced(
    *, price: ChannelPrice, product: ProductFacts, context: PricingContext, applicable: tuple[CataloguePromotion, ...]
) -> PricedUnit:
    channel = context.channel
    basis = channel.basis
    adjustments = discount_unit(price.amount, promotions=applicable, channel=channel) if applicable else ()
    after = price.amount - sum_money((a.amount for a in adjustments), channel.currency)
    rate = context.tax_rates.rate(product.tax_class)
    undiscounted = apply_tax(price.amount, rate=rate, basis=basis)
    # Without a discount the price is the undiscounted one, unless subtracting zero changed the amount's exponent.
    unchanged = not adjustments and str(after.amount) == str(price.amount.amount)
    return PricedUnit(
        variant_id=price.variant_id,
        channel=channel.slug,
        basis=basis,
        base=price.amount,
        adjustments=adjustments,
        undiscounted=undiscounted,
        price=undiscounted if unchanged else apply_tax(after, rate=rate, basis=basis),
        compare_at=None if price.compare_at is None else apply_tax(price.compare_at, rate=rate, basis=basis),
        tax_class=product.tax_class,
        tax_rate=rate,
    )


# Units alike in entered price, compare-at price, applicable promotions and tax class are alike but for their
# variant id: most of a product's variants, and often variants of several products. Amounts are keyed by their
# text, so that 10 and 10.00 (equal, but shown differently) are priced apart.
_UnitKey = tuple[str, str | None, tuple[str, ...], TaxClass]


class _Units:
    """Prices the units of many products in one context, with the promotions live in it."""

    __slots__ = ("_context", "_live", "_memo", "_variant_targeted")

    def __init__(self, context: PricingContext, promotions: Sequence[CataloguePromotion]) -> None:
        channel, now = context.channel, context.now
        self._context = context
        # `canonical` refuses two promotions with one id, live or not, as `price_variant` does.
        self._live = tuple(p for p in canonical(promotions) if channel.slug in p.channels and p.schedule.is_live(now))
        self._variant_targeted = any(p.target is not None and p.target.variant_ids for p in self._live)
        self._memo: dict[_UnitKey, PricedUnit] = {}

    def product(self, inputs: ProductInputs) -> PricedProduct:
        """Price every variant of the product the channel sells, with the range from cheapest to dearest."""
        product, channel = inputs.facts, self._context.channel
        listed = sorted((p for p in inputs.prices if p.channel == channel.slug), key=lambda p: p.variant_id)
        if not listed:
            raise ProductNotInChannel(f"Product {product.product_id} is not sold in channel {channel.slug!r}.")
        covered = [p.target is None or p.target.covers_product(product) for p in self._live]
        shared = tuple(p for p, c in zip(self._live, covered, strict=True) if c)
        shared_ids = tuple(p.id for p in shared)
        units = []
        for price in listed:
            applicable, ids = shared, shared_ids
            if self._variant_targeted:
                applicable = tuple(
                    p
                    for p, c in zip(self._live, covered, strict=True)
                    if c or (p.target is not None and price.variant_id in p.target.variant_ids)
                )
                ids = tuple(p.id for p in applicable)
            units.append(self._unit(price, product, applicable, ids))
        return PricedProduct(
            product_id=product.product_id,
            channel=channel.slug,
            variants=tuple(units),
            price_range=_range([u.price for u in units], channel),
            undiscounted_range=_range([u.undiscounted for u in units], channel),
        )

    def _unit(
        self,
        price: ChannelPrice,
        product: ProductFacts,
        applicable: tuple[CataloguePromotion, ...],
        ids: tuple[str, ...],
    ) -> PricedUnit:
        _check_listed(price, self._context.channel)
        compare_at = None if price.compare_at is None else str(price.compare_at.amount)
        key = (str(price.amount.amount), compare_at, ids, product.tax_class)
        known = self._memo.get(key)
        if known is None:
            known = _priced(price=price, product=product, context=self._context, applicable=applicable)
            self._memo[key] = known
            return known
        if known.variant_id == price.variant_id:
            return known
        return PricedUnit(
            variant_id=price.variant_id,
            channel=known.channel,
            basis=known.basis,
            base=known.base,
            adjustments=known.adjustments,
            undiscounted=known.undiscounted,
            price=known.price,
            compare_at=known.compare_at,
            tax_class=known.tax_class,
            tax_rate=known.tax_rate,
        )


def price_product(
    *,
    prices: Sequence[ChannelPrice],
    product: ProductFacts,
    context: PricingContext,
    promotions: Sequence[CataloguePromotion] = (),
) -> PricedProduct:
    """Price every variant of a product the channel sells, with the range from cheapest to dearest."""
    return _Units(context, promotions).product(ProductInputs(facts=product, prices=tuple(prices)))


def price_products(
    products: Sequence[ProductInputs], *, context: PricingContext, promotions: Sequence[CataloguePromotion] = ()
) -> tuple[PricedProduct, ...]:
    """Price many products as `price_product` does each, in order, sharing the work they have in common."""
    units = _Units(context, promotions)
    return tuple(units.product(inputs) for inputs in products)


_GROSS, _NET = attrgetter("gross.amount"), attrgetter("net.amount")


def _range(prices: Sequence[TaxedMoney], channel: Channel) -> TaxedRange:
    """Return the cheapest and dearest price on the channel's entered side (the first of equals)."""
    key = _GROSS if channel.prices_include_tax else _NET
    return TaxedRange(start=min(prices, key=key), stop=max(prices, key=key))
