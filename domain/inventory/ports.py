"""What the inventory needs from the outside world."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Protocol, TypeVar

from domain.inventory.model import StockedVariant
from domain.shared.events import Event
from domain.shared.ports import UnitOfWork

E = TypeVar("E", bound=Event)


class StockRepository(Protocol):
    async def get_for_update(self, variant_id: int) -> StockedVariant | None:
        """Return a variant's stock, locked until the unit of work ends."""
        ...

    async def set_on_hand(self, variant_id: int, quantity: int) -> None: ...


class InventoryUnitOfWork(UnitOfWork, Protocol):
    @property
    def stock(self) -> StockRepository: ...


class EventStream(Protocol):
    """Live events as they are published after commit, in this process or any other."""

    def subscribe(self, event_type: type[E]) -> AbstractAsyncContextManager[AsyncIterator[E]]:
        """Listen for events of one type; the subscription is active once the context is entered."""
        ...
