"""Stock levels and the rules for changing them."""

from __future__ import annotations

from dataclasses import dataclass, replace

from domain.inventory.errors import InvalidQuantity

MAX_QUANTITY = 1_000_000_000


@dataclass(frozen=True, slots=True)
class StockLevel:
    """Units of one variant: on hand in the warehouse, and allocated to orders not yet shipped."""

    variant_id: int
    quantity_on_hand: int
    quantity_allocated: int

    @property
    def quantity_available(self) -> int:
        """Units a shopper can still buy (never below zero)."""
        return max(self.quantity_on_hand - self.quantity_allocated, 0)

    @property
    def is_in_stock(self) -> bool:
        return self.quantity_available > 0

    def with_on_hand(self, quantity: int) -> StockLevel:
        """Return the level after a stock count, refusing a negative or absurd quantity."""
        if not 0 <= quantity <= MAX_QUANTITY:
            raise InvalidQuantity(f"Quantity must be between 0 and {MAX_QUANTITY}.", field="quantity")
        return replace(self, quantity_on_hand=quantity)


@dataclass(frozen=True, slots=True)
class StockedVariant:
    """A variant as the inventory sees it: what it is, and its stock level."""

    product_id: int
    sku: str
    level: StockLevel
