"""Inventory types."""

from __future__ import annotations

import strawberry

from domain.inventory.events import StockLevelChanged
from schema.relay import to_global_id


@strawberry.type(description="A variant's availability changed.")
class StockLevelChange:
    variant_id: strawberry.ID = strawberry.field(description="The variant's global ID.")
    product_id: strawberry.ID = strawberry.field(description="The product's global ID.")
    sku: str = strawberry.field(description="The variant's SKU.")
    quantity_available: int = strawberry.field(description="Units a shopper can buy now.")
    is_in_stock: bool = strawberry.field(description="Whether at least one unit can be bought now.")

    @classmethod
    def from_domain(cls, event: StockLevelChanged) -> StockLevelChange:
        return cls(
            variant_id=strawberry.ID(to_global_id("ProductVariant", event.variant_id)),
            product_id=strawberry.ID(to_global_id("Product", event.product_id)),
            sku=event.sku,
            quantity_available=event.quantity_available,
            is_in_stock=event.quantity_available > 0,
        )
