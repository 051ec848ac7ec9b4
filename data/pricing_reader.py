"""Pricing's read port and the built-in tax table, answered from the cache and, on a miss, the database."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from data import keys, pricing_sql
from data.cache import ReadThrough
from data.database import Database
from data.loaders import Loaders
from domain.pricing.inputs import ProductInputs
from domain.pricing.model import Channel, Destination
from domain.pricing.promotions import CataloguePromotion
from domain.pricing.tax import TaxRates, TaxTable

T = TypeVar("T")


class _Shared:
    """Reads of small whole tables (channels, promotions, tax rates): one cache key each, read once per request."""

    def __init__(self, database: Database, cached: ReadThrough) -> None:
        self._database = database
        self._cached = cached
        self._memo: dict[str, object] = {}

    async def whole(
        self,
        key: str,
        fetch: Callable[[AsyncConnection], Awaitable[list[T]]],
        encode: Callable[[list[T]], bytes],
        decode: Callable[[bytes], list[T]],
    ) -> list[T]:
        if key in self._memo:
            return self._memo[key]  # type: ignore[return-value]

        async def load() -> list[T]:
            async with self._database.read() as conn:
                return await fetch(conn)

        found = await self._cached.get_one(key, load=load, encode=encode, decode=decode)
        self._memo[key] = found
        return found


class SqlPricingReader(_Shared):
    """Implements `PricingReader` for one request (the category tree comes from the request's loaders)."""

    def __init__(self, database: Database, cached: ReadThrough, loaders: Loaders) -> None:
        super().__init__(database, cached)
        self._loaders = loaders

    async def channels(self) -> Sequence[Channel]:
        return await self.whole(
            keys.channels(), pricing_sql.fetch_channels, pricing_sql.encode_channels, pricing_sql.decode_channels
        )

    async def product_inputs(self, product_ids: Sequence[int], channel: str) -> Mapping[int, ProductInputs]:
        chosen = next((c for c in await self.channels() if c.slug == channel), None)
        if chosen is None:
            return {}

        async def load(ids: list[int]) -> dict[int, pricing_sql.PriceRows]:
            async with self._database.read() as conn:
                return await pricing_sql.fetch_price_rows(conn, ids, channel=chosen)

        rows = await self._cached.get(
            list(product_ids),
            cache_key=lambda pid: keys.price_rows(pid, channel),
            load=load,
            encode=pricing_sql.encode_price_rows,
            decode=pricing_sql.decode_price_rows,
        )
        tree = await self._loaders.category_tree.get()
        return {row.product_id: row.inputs(tree) for row in rows if row is not None}

    async def catalogue_promotions(self, channel: str) -> Sequence[CataloguePromotion]:
        every = await self.whole(
            keys.promotions(),
            pricing_sql.fetch_promotions,
            pricing_sql.encode_promotions,
            pricing_sql.decode_promotions,
        )
        return [p for p in every if channel in p.channels]


class SqlTaxRates(_Shared):
    """The built-in `TaxCalculator`: the `tax_rates` table, as a domain `TaxTable`."""

    async def rates_for(self, *, channel: str, destination: Destination) -> TaxRates:
        rates = await self.whole(
            keys.tax_rates(), pricing_sql.fetch_tax_rates, pricing_sql.encode_tax_rates, pricing_sql.decode_tax_rates
        )
        return TaxTable(rates).lookup(destination.country)
