"""What pricing needs from outside: tax rates and shipping methods for a destination.

The engine never calls a port. A use case asks each port once per request, for the destination, and hands the
answer (`TaxRates`, a tuple of `ShippingMethod`) to the engine, which stays pure, synchronous and deterministic.
The ports are async like every other port of the domain, so an external tax or shipping service can sit behind
them as an adapter in `integrations/`; the built-in tables (`TaxTable`, `ShippingTable`) answer from memory.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from domain.pricing.inputs import ProductInputs
from domain.pricing.model import Channel, ChannelPrice, Destination
from domain.pricing.promotions import CataloguePromotion, NewCataloguePromotion
from domain.pricing.shipping import ShippingMethod
from domain.pricing.summary import StoredPrices
from domain.pricing.tax import TaxRates
from domain.shared.ports import UnitOfWork


class TaxCalculator(Protocol):
    async def rates_for(self, *, channel: str, destination: Destination) -> TaxRates:
        """Return the rate of each tax class at the destination, or raise `NoTaxRatesForCountry`."""
        ...


class ShippingRates(Protocol):
    async def methods_for(self, *, channel: str, destination: Destination) -> tuple[ShippingMethod, ...]:
        """Return the methods that ship to the destination in this channel (empty when none does)."""
        ...


class PricingReader(Protocol):
    """What pricing reads of the shop: channels, prices, product facts and live promotions (cached by the reader)."""

    async def channels(self) -> Sequence[Channel]: ...

    async def product_inputs(self, product_ids: Sequence[int], channel: str) -> Mapping[int, ProductInputs]:
        """Return, per product, its facts and its variants' prices in the channel (none: not sold there)."""
        ...

    async def catalogue_promotions(self, channel: str) -> Sequence[CataloguePromotion]:
        """Return the channel's catalogue promotions, whatever their schedule (the engine checks it)."""
        ...

    async def stored_prices(self, product_ids: Sequence[int], channel: Channel) -> Mapping[int, StoredPrices]:
        """Return the price summaries stored for the products in the channel, holding or not (none: not stored)."""
        ...


class PriceRepository(Protocol):
    async def product_of_variant(self, variant_id: int) -> int | None: ...

    async def set_price(self, price: ChannelPrice) -> None: ...


class StoredPriceRepository(Protocol):
    """The price summaries stored per product and channel, and what computing them again reads."""

    async def lock_stale(self, now: datetime, limit: int) -> Sequence[tuple[int, str]]:
        """Lock and return up to `limit` (product id, channel) whose stored summary is missing or no longer holds."""
        ...

    async def rules(self) -> tuple[Sequence[Channel], Sequence[CataloguePromotion]]:
        """Return the channels and every catalogue promotion, as committed now."""
        ...

    async def inputs(self, product_ids: Sequence[int], channel: Channel) -> Mapping[int, ProductInputs]:
        """Return, per product, its facts and its variants' prices in the channel, as committed now."""
        ...

    async def store(self, stored: Sequence[StoredPrices], unpriced: Sequence[tuple[int, str]]) -> None:
        """Store summaries, and that nothing is to be stored for `unpriced` (product id, channel)."""
        ...


class PromotionRepository(Protocol):
    async def add(self, promotion: NewCataloguePromotion) -> CataloguePromotion: ...


class PricingUnitOfWork(UnitOfWork, Protocol):
    @property
    def prices(self) -> PriceRepository: ...

    @property
    def promotions(self) -> PromotionRepository: ...

    @property
    def stored_prices(self) -> StoredPriceRepository: ...
