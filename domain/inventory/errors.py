"""The inventory's error tree."""

from __future__ import annotations

from domain.shared.errors import DomainError, InvalidInput, NotFound


class InventoryError(DomainError):
    code = "INVENTORY_ERROR"


class VariantNotFound(NotFound, InventoryError):
    code = "VARIANT_NOT_FOUND"


class InvalidQuantity(InvalidInput, InventoryError):
    code = "INVALID_QUANTITY"
