"""Live inventory updates."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from schema.context import Info
from schema.relay import parse_id
from schema.types.inventory import StockLevelChange


@strawberry.type
class InventorySubscription:
    @strawberry.subscription(description="Availability changes as they commit; all variants when none are given.")
    async def stock_level_changed(
        self, info: Info, variant_ids: list[strawberry.ID] | None = None
    ) -> AsyncGenerator[StockLevelChange, None]:
        wanted = frozenset(parse_id(v, "ProductVariant") for v in variant_ids) if variant_ids else None
        async for event in info.context.inventory.watch_stock(info.context.actor, variant_ids=wanted):
            yield StockLevelChange.from_domain(event)
