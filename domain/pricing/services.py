"""Pricing use cases: what shoppers pay for products in a channel, and staff changes to prices and promotions."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal

from domain.pricing.breakdown import PricedProduct
from domain.pricing.engine import price_products
from domain.pricing.errors import InvalidPrice, VariantNotFound
from domain.pricing.events import CataloguePromotionCreated, VariantPriceChanged
from domain.pricing.inputs import PricingContext, ProductInputs
from domain.pricing.model import (
    Channel,
    ChannelPrice,
    Channels,
    Destination,
    Percentage,
    require_reward_currency,
    validate_country,
)
from domain.pricing.policies import ensure_can_manage_pricing
from domain.pricing.ports import PricingReader, PricingUnitOfWork, TaxCalculator
from domain.pricing.promotions import CataloguePromotion, NewCataloguePromotion
from domain.pricing.summary import (
    PriceSummary,
    StoredPrices,
    from_stored,
    next_price_change,
    summarize,
    to_stored,
)
from domain.pricing.tax import TaxRates
from domain.shared.actor import Actor
from domain.shared.money import Money
from domain.shared.ports import Clock


def exact_money(amount: Decimal, currency: str, *, field: str) -> Money:
    """Return the amount as money, refusing one finer than the currency's minor unit (never rounding silently)."""
    money = Money.of(amount, currency)
    if money.amount != amount:
        raise InvalidPrice(f"{amount} is not in whole minor units of {currency}.", field=field)
    return money


class PricingService:
    """Price products for shoppers, and change prices and promotions for staff."""

    def __init__(
        self,
        *,
        reader: PricingReader,
        tax: TaxCalculator,
        uow: Callable[[], PricingUnitOfWork],
        clock: Clock,
        default_channel: str,
    ) -> None:
        self._reader = reader
        self._tax = tax
        self._uow = uow
        self._clock = clock
        self._default_channel = default_channel

    async def channel(self, slug: str | None = None) -> Channel:
        """Return the named channel, or the configured default; refuse an unknown one."""
        return Channels(await self._reader.channels(), default=self._default_channel).get(slug)

    async def list_channels(self) -> Sequence[Channel]:
        """Return every channel the shop sells through."""
        return await self._reader.channels()

    async def price_products(
        self, product_ids: Sequence[int], *, channel: str | None = None, country: str | None = None
    ) -> Mapping[int, PricedProduct | None]:
        """Price each product's variants in a channel now (`None` where the channel does not sell it)."""
        chosen = await self.channel(channel)
        destination = Destination(validate_country(country) if country else chosen.default_country)
        rates = await self._tax.rates_for(channel=chosen.slug, destination=destination)
        inputs = await self._reader.product_inputs(product_ids, chosen.slug)
        promotions = await self._reader.catalogue_promotions(chosen.slug)
        context = PricingContext(channel=chosen, now=self._clock.now(), tax_rates=rates)
        sold = {pid: found for pid in product_ids if (found := inputs.get(pid)) is not None and found.prices}
        priced: dict[int, PricedProduct | None] = dict.fromkeys(product_ids)
        units = price_products(list(sold.values()), context=context, promotions=promotions)
        priced.update(zip(sold, units, strict=True))
        return priced

    async def summarize_prices(
        self, product_ids: Sequence[int], *, channel: str | None = None, country: str | None = None
    ) -> Mapping[int, PriceSummary | None]:
        """Summarize each product's prices in a channel now (`None` where the channel does not sell it): from the
        summary stored for it where that holds, as the engine would price it otherwise."""
        chosen = await self.channel(channel)
        destination = Destination(validate_country(country) if country else chosen.default_country)
        rates = await self._tax.rates_for(channel=chosen.slug, destination=destination)
        stored = await self._reader.stored_prices(product_ids, chosen)
        now = self._clock.now()
        found: dict[int, PriceSummary | None] = {}
        unheld: list[int] = []
        for product_id in product_ids:
            kept = stored.get(product_id)
            if kept is not None and kept.holds_at(now):
                found[product_id] = from_stored(kept, basis=chosen.basis, rate=rates.rate(kept.tax_class))
            else:
                unheld.append(product_id)
        if unheld:
            priced = await self.price_products(unheld, channel=chosen.slug, country=country)
            found.update((pid, None if p is None else summarize(p)) for pid, p in priced.items())
        return found

    async def refresh_stored_prices(self, *, batch: int = 200) -> int:
        """Store again every price summary that is missing or no longer holds, a batch of products per
        transaction, and return how many (product, channel) were done. Safe to run in several processes at once:
        each locks its batch, and skips the rows another holds."""
        done = 0
        while True:
            async with self._uow() as uow:
                now = self._clock.now()
                due = await uow.stored_prices.lock_stale(now, batch)
                if not due:
                    return done
                channels, promotions = await uow.stored_prices.rules()
                by_slug = {c.slug: c for c in channels}
                by_channel: dict[str, list[int]] = {}
                for product_id, slug in due:
                    by_channel.setdefault(slug, []).append(product_id)
                stored: list[StoredPrices] = []
                unpriced: list[tuple[int, str]] = []
                for slug, product_ids in by_channel.items():
                    chosen = by_slug.get(slug)
                    inputs = {} if chosen is None else await uow.stored_prices.inputs(product_ids, chosen)
                    sold = [inputs[pid] for pid in product_ids if pid in inputs and inputs[pid].prices]
                    unpriced += [(pid, slug) for pid in product_ids if pid not in inputs or not inputs[pid].prices]
                    if chosen is not None and sold:
                        stored += _stored(sold, chosen, promotions, now)
                await uow.stored_prices.store(stored, unpriced)
                await uow.commit()
            done += len(due)

    async def set_variant_price(
        self,
        actor: Actor,
        *,
        variant_id: int,
        channel: str,
        amount: Decimal,
        compare_at: Decimal | None = None,
    ) -> ChannelPrice:
        """Set what a variant costs in a channel (listing it there if it was not)."""
        ensure_can_manage_pricing(actor)
        chosen = await self.channel(channel)
        price = ChannelPrice(
            variant_id=variant_id,
            channel=chosen.slug,
            amount=exact_money(amount, chosen.currency, field="amount"),
            compare_at=None if compare_at is None else exact_money(compare_at, chosen.currency, field="compareAt"),
        )
        async with self._uow() as uow:
            product_id = await uow.prices.product_of_variant(variant_id)
            if product_id is None:
                raise VariantNotFound("No such variant.", field="variantId")
            await uow.prices.set_price(price)
            uow.record(VariantPriceChanged(variant_id=variant_id, product_id=product_id, channel=chosen.slug))
            await uow.commit()
        return price

    async def create_catalogue_promotion(
        self, actor: Actor, *, promotion: Callable[[], NewCataloguePromotion]
    ) -> CataloguePromotion:
        """Start (or schedule) a sale on catalogue prices; the promotion is built (and checked) after permission."""
        ensure_can_manage_pricing(actor)
        promotion_ = promotion()
        for slug in promotion_.channels:
            require_reward_currency(promotion_.reward, await self.channel(slug), what="The promotion's discount")
        async with self._uow() as uow:
            created = await uow.promotions.add(promotion_)
            uow.record(CataloguePromotionCreated(promotion_id=created.id))
            await uow.commit()
        return created


def _untaxed(channel: Channel) -> TaxRates:
    nothing = Percentage(Decimal(0))
    return TaxRates(country=channel.default_country, standard=nothing, reduced=nothing, zero=nothing)


def _stored(
    sold: Sequence[ProductInputs], channel: Channel, promotions: Sequence[CataloguePromotion], now: datetime
) -> list[StoredPrices]:
    """Price products in the channel now and return what to store: amounts before tax, so no rate is needed."""
    live = [p for p in promotions if channel.slug in p.channels]
    context = PricingContext(channel=channel, now=now, tax_rates=_untaxed(channel))
    until = next_price_change(live, channel=channel.slug, now=now)
    return [
        to_stored(p, channel=channel, valid_until=until) for p in price_products(sold, context=context, promotions=live)
    ]
