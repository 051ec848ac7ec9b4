"""Large reads and writes in batches: one statement per few thousand rows keeps each statement's parameters well
under the drivers' limits (SQLite's 32,766 variables, asyncpg's 32,767 arguments)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")

BATCH_SIZE = 5_000


def batched(items: Sequence[T], size: int = BATCH_SIZE) -> Iterator[list[T]]:
    """Yield the items in consecutive lists of at most `size`."""
    for start in range(0, len(items), size):
        yield list(items[start : start + size])
