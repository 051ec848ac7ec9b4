"""What pricing needs from outside: tax rates and shipping methods for a destination.

The engine never calls a port. A use case asks each port once per request, for the destination, and hands the
answer (`TaxRates`, a tuple of `ShippingMethod`) to the engine, which stays pure, synchronous and deterministic.
The ports are async like every other port of the domain, so an external tax or shipping service can sit behind
them as an adapter in `integrations/`; the built-in tables (`TaxTable`, `ShippingTable`) answer from memory.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from domain.pricing.inputs import ProductInputs
from domain.pricing.model import Channel, ChannelPrice, Destination
from domain.pricing.promotions import CataloguePromotion, NewCataloguePromotion
from domain.pricing.shipping import ShippingMethod
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


class PriceRepository(Protocol):
    async def product_of_variant(self, variant_id: int) -> int | None: ...

    async def set_price(self, price: ChannelPrice) -> None: ...


class PromotionRepository(Protocol):
    async def add(self, promotion: NewCataloguePromotion) -> CataloguePromotion: ...


class PricingUnitOfWork(UnitOfWork, Protocol):
    @property
    def prices(self) -> PriceRepository: ...

    @property
    def promotions(self) -> PromotionRepository: ...
