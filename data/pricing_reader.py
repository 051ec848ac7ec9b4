"""Pricing's read port and the built-in tax table, answered from the cache and, on a miss, the database."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from data import keys, pricing_sql
from data.cache import ReadThrough
from data.dependencies import DataKind, note_read
from data.loaders import Loaders
from domain.pricing.inputs import ProductInputs
from domain.pricing.model import Channel, Destination
from domain.pricing.promotions import CataloguePromotion
from domain.pricing.summary import StoredPrices
from domain.pricing.tax import TaxRates, TaxTable


class SqlPricingReader:
    """Implements `PricingReader` for one request (small tables and product details come from its loaders)."""

    def __init__(self, cached: ReadThrough, loaders: Loaders) -> None:
        self._cached = cached
        self._loaders = loaders

    async def channels(self) -> Sequence[Channel]:
        note_read(DataKind.PRICES)
        return (await self._loaders.whole_tables.get()).channels

    async def product_inputs(self, product_ids: Sequence[int], channel: str) -> Mapping[int, ProductInputs]:
        note_read(DataKind.PRICES)
        reference = await self._loaders.whole_tables.get()
        chosen = next((c for c in reference.channels if c.slug == channel), None)
        if chosen is None:
            return {}

        async def load(ids: list[int]) -> dict[int, pricing_sql.PriceRows]:
            found = await self._loaders.details_by_product.load_many(ids)
            return {d.product_id: d.price_rows(chosen) for d in found if d is not None}

        rows = await self._cached.get(
            list(product_ids),
            cache_key=lambda pid: keys.price_rows(pid, channel),
            load=load,
            encode=pricing_sql.encode_price_rows,
            decode=pricing_sql.decode_price_rows,
        )
        return {row.product_id: row.inputs(reference.categories) for row in rows if row is not None}

    async def stored_prices(self, product_ids: Sequence[int], channel: Channel) -> Mapping[int, StoredPrices]:
        note_read(DataKind.PRICES)
        return await self._loaders.stored_prices(product_ids, channel.slug, channel.currency)

    async def catalogue_promotions(self, channel: str) -> Sequence[CataloguePromotion]:
        note_read(DataKind.PRICES)
        every = (await self._loaders.whole_tables.get()).promotions
        return [p for p in every if channel in p.channels]


class SqlTaxRates:
    """The built-in `TaxCalculator`: the `tax_rates` table, as a domain `TaxTable`."""

    def __init__(self, loaders: Loaders) -> None:
        self._loaders = loaders

    async def rates_for(self, *, channel: str, destination: Destination) -> TaxRates:
        note_read(DataKind.PRICES)
        return TaxTable((await self._loaders.whole_tables.get()).tax_rates).lookup(destination.country)
