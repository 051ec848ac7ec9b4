"""Keeps the stored price summaries up to date: a background task of every API process.

Listings read each product's price summary from `product_channel_listings` while it holds, and price the product
with the engine otherwise (`PricingService.summarize_prices`), so a summary out of date is slower, never wrong. Writes
mark summaries out of date (a price, a new promotion, a product's category); a summary also stops holding when a
promotion of its channel starts or ends. This task stores them again every `price_refresh_seconds`: a batch of
products per transaction, each batch's rows locked and skipped by other processes (PostgreSQL's SKIP LOCKED), so
any number of processes may run it at once.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import structlog

log = structlog.get_logger(__name__)


class PriceRefresher:
    """Calls `refresh` now and every `interval` seconds until stopped; a failure is logged and retried."""

    def __init__(self, refresh: Callable[[], Awaitable[int]], *, interval: float) -> None:
        self._refresh = refresh
        self._interval = interval
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="price-refresher")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while True:
            try:
                done = await self._refresh()
                if done:
                    log.info("pricing.summaries_stored", count=done)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("pricing.summaries_failed")
            await asyncio.sleep(self._interval)
