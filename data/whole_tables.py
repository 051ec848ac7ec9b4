"""Small tables read whole (channels, promotions, tax rates, attributes, collections): one cache key each, read
once per request however many fields ask, and shared by the readers of one request."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from data import keys, pricing_sql
from data.cache import ReadThrough
from data.database import Database
from domain.pricing.model import Channel

T = TypeVar("T")


class WholeTables:
    """One request's reads of whole small tables, through the cache."""

    def __init__(self, database: Database, cached: ReadThrough) -> None:
        self._database = database
        self._cached = cached
        self._memo: dict[str, object] = {}

    async def read(
        self,
        key: str,
        fetch: Callable[[AsyncConnection], Awaitable[list[T]]],
        encode: Callable[[list[T]], bytes],
        decode: Callable[[bytes], list[T]],
    ) -> list[T]:
        """Return a whole table, from this request's memo, the cache, or the database."""
        if key in self._memo:
            return self._memo[key]  # type: ignore[return-value]  # stored under its key by this method

        async def load() -> list[T]:
            async with self._database.read() as conn:
                return await fetch(conn)

        found = await self._cached.get_one(key, load=load, encode=encode, decode=decode)
        self._memo[key] = found
        return found

    async def channels(self) -> list[Channel]:
        return await self.read(
            keys.channels(), pricing_sql.fetch_channels, pricing_sql.encode_channels, pricing_sql.decode_channels
        )
