"""Facts the catalog records."""

from __future__ import annotations

from dataclasses import dataclass

from domain.shared.events import Event


@dataclass(frozen=True, slots=True)
class ProductUpdated(Event):
    name = "catalog.product_updated"

    product_id: int
