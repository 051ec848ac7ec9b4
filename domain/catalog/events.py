"""Facts the catalog records."""

from __future__ import annotations

from dataclasses import dataclass

from domain.shared.events import Event


@dataclass(frozen=True, slots=True)
class ProductUpdated(Event):
    name = "catalog.product_updated"

    product_id: int


@dataclass(frozen=True, slots=True)
class CategoryUpdated(Event):
    name = "catalog.category_updated"

    category_id: int


@dataclass(frozen=True, slots=True)
class VariantUpdated(Event):
    name = "catalog.variant_updated"

    product_id: int
    variant_id: int
