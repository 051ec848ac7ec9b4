"""What a computation read, by kind of data, so that a write drops only the cached responses that read its kind.

A whole cached response (`app/response_cache.py`) is stored with the version of each kind of data it read; a
committed write replaces the versions of the kinds it wrote (`data/uow.py`). The read sites of the data layer note
what they read here. Every response reads the catalog; stock and prices are noted where they are read:

- `STOCK`: stock levels (a variant's `quantityAvailable` and `isInStock`);
- `AVAILABILITY`: whether a product can be bought (`Product.isAvailable`, listings filtered by `inStock`: the
  product's stored `in_stock` flag), which a stock write changes only when it sells a product out or brings it back;
- `PRICES`: price rows, promotions, tax rates and channels (every `pricing` field), and listings filtered, sorted or
  faceted by price or restricted to a channel's products (`filter.channel`).

Noting more than was read only costs cache hits; noting less would serve stale responses, so a read site that is
unsure notes both.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from enum import StrEnum


class DataKind(StrEnum):
    CATALOG = "catalog"  # products, variants, images, categories, attributes, collections, translations
    STOCK = "stock"
    AVAILABILITY = "availability"  # products.in_stock: changes far less often than stock levels
    PRICES = "prices"


KINDS: tuple[DataKind, ...] = tuple(DataKind)

_reads: ContextVar[set[DataKind] | None] = ContextVar("vitrine_data_reads", default=None)


def note_read(*kinds: DataKind) -> None:
    """Record that the computation running in this context read these kinds of data (a no-op outside one)."""
    reads = _reads.get()
    if reads is not None:
        reads.update(kinds)


@contextmanager
def recording_reads() -> Iterator[set[DataKind]]:
    """Collect the kinds of data read by everything run inside, including the tasks it starts (they inherit the
    context, and with it the same set); the catalog is always among them."""
    reads = {DataKind.CATALOG}
    token = _reads.set(reads)
    try:
        yield reads
    finally:
        _reads.reset(token)
