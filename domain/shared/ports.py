"""Ports every area shares: the unit of work and the clock."""

from __future__ import annotations

from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from domain.shared.events import Event


class UnitOfWork(Protocol):
    """One transaction: commit applies every change and its events together, or nothing."""

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    async def commit(self) -> None: ...

    def record(self, event: Event) -> None:
        """Queue an event to publish once the transaction has committed."""


class Clock(Protocol):
    def now(self) -> datetime:
        """Return the current time, timezone-aware, in UTC."""
