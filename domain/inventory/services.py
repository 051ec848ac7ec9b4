"""Inventory use cases."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from domain.inventory.errors import VariantNotFound
from domain.inventory.events import StockLevelChanged
from domain.inventory.model import StockLevel
from domain.inventory.policies import ensure_can_manage_inventory
from domain.inventory.ports import EventStream, InventoryUnitOfWork
from domain.shared.actor import Actor


class InventoryService:
    """Change and watch stock levels on behalf of an actor."""

    def __init__(self, *, uow: Callable[[], InventoryUnitOfWork], events: EventStream) -> None:
        self._uow = uow
        self._events = events

    async def set_stock(self, actor: Actor, *, variant_id: int, quantity: int) -> StockLevel:
        """Record a stock count for a variant and announce the new availability."""
        ensure_can_manage_inventory(actor)
        async with self._uow() as uow:
            found = await uow.stock.get_for_update(variant_id)
            if found is None:
                raise VariantNotFound("No such variant.", field="variantId")
            level = found.level.with_on_hand(quantity)
            await uow.stock.set_on_hand(variant_id, level.quantity_on_hand)
            uow.record(
                StockLevelChanged(
                    variant_id=variant_id,
                    product_id=found.product_id,
                    sku=found.sku,
                    quantity_available=level.quantity_available,
                )
            )
            await uow.commit()
        return level

    async def watch_stock(
        self, actor: Actor, *, variant_ids: frozenset[int] | None = None
    ) -> AsyncIterator[StockLevelChanged]:
        """Yield stock changes as they commit, for the given variants or for all (availability is public)."""
        async with self._events.subscribe(StockLevelChanged) as stream:
            async for event in stream:
                if variant_ids is None or event.variant_id in variant_ids:
                    yield event
