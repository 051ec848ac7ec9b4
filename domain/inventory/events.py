"""Facts the inventory records."""

from __future__ import annotations

from dataclasses import dataclass

from domain.shared.events import Event


@dataclass(frozen=True, slots=True)
class StockLevelChanged(Event):
    name = "inventory.stock_level_changed"

    variant_id: int
    product_id: int
    sku: str
    quantity_available: int
