"""Domain events over the broker: published after commit, streamed to subscribers."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterable
from typing import TypeVar

from data.codecs import decode_event, encode_event
from data.pubsub import Broker
from domain.shared.events import Event

E = TypeVar("E", bound=Event)


def channel_for(event_type: type[Event]) -> str:
    return f"events:{event_type.name}"


class EventBus:
    """Publishes committed events and implements the domain's `EventStream` port."""

    def __init__(self, broker: Broker) -> None:
        self._broker = broker

    async def publish(self, events: Iterable[Event]) -> None:
        for event in events:
            await self._broker.publish(channel_for(type(event)), encode_event(event))

    @contextlib.asynccontextmanager
    async def subscribe(self, event_type: type[E]) -> AsyncIterator[AsyncIterator[E]]:
        async with self._broker.listen(channel_for(event_type)) as messages:
            yield (decode_event(event_type, raw) async for raw in messages)

    def subscriber_count(self, event_type: type[Event]) -> int:
        return self._broker.subscriber_count(channel_for(event_type))
