"""Pricing's read port and the built-in tax table, answered from the cache and, on a miss, the database."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from data import keys, pricing_sql
from data.cache import ReadThrough
from data.database import Database
from data.loaders import Loaders
from data.whole_tables import WholeTables
from domain.pricing.inputs import ProductInputs
from domain.pricing.model import Channel, Destination
from domain.pricing.promotions import CataloguePromotion
from domain.pricing.tax import TaxRates, TaxTable


class SqlPricingReader:
    """Implements `PricingReader` for one request (the category tree comes from the request's loaders)."""

    def __init__(self, database: Database, cached: ReadThrough, tables: WholeTables, loaders: Loaders) -> None:
        self._database = database
        self._cached = cached
        self._tables = tables
        self._loaders = loaders

    async def channels(self) -> Sequence[Channel]:
        return await self._tables.channels()

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
        every = await self._tables.read(
            keys.promotions(),
            pricing_sql.fetch_promotions,
            pricing_sql.encode_promotions,
            pricing_sql.decode_promotions,
        )
        return [p for p in every if channel in p.channels]


class SqlTaxRates:
    """The built-in `TaxCalculator`: the `tax_rates` table, as a domain `TaxTable`."""

    def __init__(self, tables: WholeTables) -> None:
        self._tables = tables

    async def rates_for(self, *, channel: str, destination: Destination) -> TaxRates:
        rates = await self._tables.read(
            keys.tax_rates(), pricing_sql.fetch_tax_rates, pricing_sql.encode_tax_rates, pricing_sql.decode_tax_rates
        )
        return TaxTable(rates).lookup(destination.country)
