"""Facts pricing records."""

from __future__ import annotations

from dataclasses import dataclass

from domain.shared.events import Event


@dataclass(frozen=True, slots=True)
class VariantPriceChanged(Event):
    name = "pricing.variant_price_changed"

    variant_id: int
    product_id: int
    channel: str


@dataclass(frozen=True, slots=True)
class CataloguePromotionCreated(Event):
    name = "pricing.catalogue_promotion_created"

    promotion_id: str
