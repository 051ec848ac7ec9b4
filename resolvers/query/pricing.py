"""Pricing queries: the channels a storefront can price in."""

from __future__ import annotations

import strawberry

from schema.context import Info
from schema.types.pricing import Channel


@strawberry.type
class PricingQuery:
    @strawberry.field(description="Every sales channel (a short, configured list), in display order.")
    async def channels(self, info: Info) -> list[Channel]:
        return [Channel.from_domain(c) for c in await info.context.pricing.list_channels()]
