"""What pricing needs from outside: tax rates and shipping methods for a destination.

The engine never calls a port. A use case asks each port once per request, for the destination, and hands the
answer (`TaxRates`, a tuple of `ShippingMethod`) to the engine, which stays pure, synchronous and deterministic.
The ports are async like every other port of the domain, so an external tax or shipping service can sit behind
them as an adapter in `integrations/`; the built-in tables (`TaxTable`, `ShippingTable`) answer from memory.
"""

from __future__ import annotations

from typing import Protocol

from domain.pricing.model import Destination
from domain.pricing.shipping import ShippingMethod
from domain.pricing.tax import TaxRates


class TaxCalculator(Protocol):
    async def rates_for(self, *, channel: str, destination: Destination) -> TaxRates:
        """Return the rate of each tax class at the destination, or raise `NoTaxRatesForCountry`."""
        ...


class ShippingRates(Protocol):
    async def methods_for(self, *, channel: str, destination: Destination) -> tuple[ShippingMethod, ...]:
        """Return the methods that ship to the destination in this channel (empty when none does)."""
        ...
