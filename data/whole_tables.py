"""The small tables read whole (categories, channels, tax rates, promotions, attributes, collections), as one
snapshot per request: one cache look-up for all of them, and one statement for those the cache does not hold.

With the cache off, every request reads every one of these tables in that one statement: nothing is kept between
requests except the decoded form of the last rows seen, reused only when the rows read now are byte for byte the
same (so it can never be stale; it only saves building the same objects again).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from sqlalchemy.engine import Dialect

from data import catalog_sql, codecs, keys, pricing_sql
from data.cache import ReadThrough
from data.database import Database
from data.reads import RowSource
from data.tables import (
    attribute_choices,
    attributes,
    catalogue_promotions,
    categories,
    channels,
    collections,
    tax_rates,
)
from data.whole_tables_sql import Source, fetch_json, rows_of
from domain.catalog.attributes import Attribute
from domain.catalog.collections import Collection
from domain.catalog.model import CategoryTree
from domain.pricing.model import Channel
from domain.pricing.promotions import CataloguePromotion
from domain.pricing.tax import TaxRates

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Reference:
    """Every small table, as the domain sees it. Shared between requests: never mutate it."""

    categories: CategoryTree
    channels: Sequence[Channel]
    tax_rates: Sequence[TaxRates]
    promotions: Sequence[CataloguePromotion]
    attributes: Sequence[Attribute]
    collections: Sequence[Collection]


def _columns(table: Any, *skip: str) -> tuple[str, ...]:
    return tuple(c.name for c in table.columns if c.name not in skip)


@dataclass(frozen=True, slots=True, eq=False)
class Part(Generic[T]):
    """One field of the snapshot: its cache key and encoding, and the tables it is built from."""

    name: str
    key: Callable[[], str]
    sources: tuple[Source, ...]
    build: Callable[..., T]  # one list of rows per source
    encode: Callable[[T], bytes]
    decode: Callable[[bytes], T]


PARTS: tuple[Part[Any], ...] = (
    Part(
        "categories",
        keys.category_tree,
        (Source(categories, _columns(categories)),),
        catalog_sql.to_category_tree,
        codecs.encode_category_tree,
        codecs.decode_category_tree,
    ),
    Part(
        "channels",
        keys.channels,
        (Source(channels, _columns(channels, "name")),),
        pricing_sql.to_channels,
        pricing_sql.encode_channels,
        pricing_sql.decode_channels,
    ),
    Part(
        "tax_rates",
        keys.tax_rates,
        (Source(tax_rates, _columns(tax_rates)),),
        pricing_sql.to_tax_rates,
        pricing_sql.encode_tax_rates,
        pricing_sql.decode_tax_rates,
    ),
    Part(
        "promotions",
        keys.promotions,
        (Source(catalogue_promotions, _columns(catalogue_promotions)),),
        pricing_sql.to_promotions,
        pricing_sql.encode_promotions,
        pricing_sql.decode_promotions,
    ),
    Part(
        "attributes",
        keys.attributes,
        (Source(attributes, _columns(attributes)), Source(attribute_choices, _columns(attribute_choices))),
        catalog_sql.to_attributes,
        codecs.encode_attributes,
        codecs.decode_attributes,
    ),
    Part(
        "collections",
        keys.collections,
        (Source(collections, _columns(collections)),),
        catalog_sql.to_collections,
        codecs.encode_collections,
        codecs.decode_collections,
    ),
)


# The last encoded form seen of each part and what it decoded to, per process. A value is reused only for the
# very same bytes, so this is never stale; it spares rebuilding identical objects on every request.
_last_decoded: dict[tuple[str, str], tuple[str | bytes, object]] = {}


def _decoded(part: Part[T], origin: str, encoded: str | bytes, decode: Callable[[], T]) -> T:
    slot = (part.name, origin)
    last = _last_decoded.get(slot)
    if last is not None and last[0] == encoded:
        return cast(T, last[1])
    value = decode()
    _last_decoded[slot] = (encoded, value)
    return value


@dataclass(frozen=True, slots=True)
class _Loaded:
    part: Part[Any]
    value: object


def _from_database(part: Part[T], texts: list[str | None], dialect: Dialect) -> T:
    def build() -> T:
        return part.build(*(rows_of(s, t, dialect) for s, t in zip(part.sources, texts, strict=True)))

    return _decoded(part, "database", "\x00".join(t or "" for t in texts), build)


def _encode(found: bytes | _Loaded) -> bytes:
    return found if isinstance(found, bytes) else found.part.encode(found.value)


def _keep(raw: bytes) -> bytes | _Loaded:
    return raw  # decoded per part below, where the part is known


async def _read_parts(reads: RowSource, parts: Sequence[Part[Any]]) -> dict[Part[Any], object]:
    """Read the parts' tables in one statement on `reads`, and build each part's value."""
    texts = await fetch_json(reads, [s for part in parts for s in part.sources])
    found: dict[Part[Any], object] = {}
    start = 0
    for part in parts:
        end = start + len(part.sources)
        found[part] = _from_database(part, texts[start:end], reads.dialect)
        start = end
    return found


async def read_reference(reads: RowSource) -> Reference:
    """Read every small table now, on `reads` (inside its transaction, if it has one), without the cache."""
    found = await _read_parts(reads, PARTS)
    return Reference(**{part.name: value for part, value in found.items()})  # type: ignore[arg-type]


class WholeTables:
    """One request's snapshot of the small tables, read once however many fields ask."""

    def __init__(self, database: Database, cached: ReadThrough) -> None:
        self._database = database
        self._cached = cached
        self._snapshot: asyncio.Future[Reference] | None = None

    def get(self) -> asyncio.Future[Reference]:
        """Return the snapshot, reading it on first use."""
        if self._snapshot is None:
            self._snapshot = asyncio.ensure_future(self._read())
        return self._snapshot

    async def _load(self, missing: list[Part[Any]]) -> dict[Part[Any], bytes | _Loaded]:
        found = await _read_parts(self._database.reads, missing)
        return {part: _Loaded(part, value) for part, value in found.items()}

    async def _read(self) -> Reference:
        found = await self._cached.get(
            PARTS, cache_key=lambda p: p.key(), load=self._load, encode=_encode, decode=_keep
        )
        values: dict[str, object] = {}
        for part, value in zip(PARTS, found, strict=True):
            if isinstance(value, bytes):
                values[part.name] = _decoded(part, "cache", value, functools.partial(part.decode, value))
            else:
                assert value is not None  # the load answers every part
                values[part.name] = value.value
        return Reference(**values)  # type: ignore[arg-type]  # each part builds its field's type
