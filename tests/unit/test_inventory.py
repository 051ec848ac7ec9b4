"""Stock levels, and `InventoryService` against in-memory fakes: setting stock and watching it change."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator

import pytest

from domain.catalog.events import ProductUpdated
from domain.inventory.errors import InvalidQuantity, VariantNotFound
from domain.inventory.events import StockLevelChanged
from domain.inventory.model import MAX_QUANTITY, StockedVariant, StockLevel
from domain.inventory.services import InventoryService
from domain.shared.actor import ANONYMOUS, SYSTEM, Actor, ActorKind, Permission, staff
from domain.shared.errors import PermissionDenied
from tests.fakes import FakeEventStream, FakeStore, make_stocked_variant

STAFF = staff("alice")
CATALOG_EDITOR = Actor(ActorKind.STAFF, id="dave", permissions=frozenset({Permission.MANAGE_CATALOG}))


def inventory(*stocked: StockedVariant) -> tuple[InventoryService, FakeStore, FakeEventStream]:
    """Build the service over a store holding the given stock, publishing commits to a fake stream."""
    events = FakeEventStream()
    store = FakeStore(events=events)
    store.add_stock(*stocked)
    return InventoryService(uow=store.unit_of_work, events=events), store, events


def changed(variant_id: int, available: int = 1) -> StockLevelChanged:
    return StockLevelChanged(variant_id=variant_id, product_id=1, sku=f"SKU-{variant_id}", quantity_available=available)


async def collect(stream: AsyncIterator[StockLevelChanged]) -> list[StockLevelChanged]:
    return [event async for event in stream]


# --- the model ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("on_hand", "allocated", "available", "in_stock"),
    [(10, 3, 7, True), (3, 3, 0, False), (2, 5, 0, False), (0, 0, 0, False), (1, 0, 1, True)],
)
def test_available_is_on_hand_minus_allocated_never_below_zero(
    on_hand: int, allocated: int, available: int, in_stock: bool
) -> None:
    level = StockLevel(variant_id=1, quantity_on_hand=on_hand, quantity_allocated=allocated)

    assert level.quantity_available == available
    assert level.is_in_stock is in_stock


@pytest.mark.parametrize("quantity", [0, 1, 42, MAX_QUANTITY])
def test_with_on_hand_accepts_zero_to_the_limit(quantity: int) -> None:
    level = StockLevel(variant_id=1, quantity_on_hand=5, quantity_allocated=2)

    assert level.with_on_hand(quantity) == StockLevel(variant_id=1, quantity_on_hand=quantity, quantity_allocated=2)


@pytest.mark.parametrize("quantity", [-1, -1000, MAX_QUANTITY + 1])
def test_with_on_hand_refuses_a_negative_or_absurd_quantity(quantity: int) -> None:
    with pytest.raises(InvalidQuantity) as raised:
        StockLevel(variant_id=1, quantity_on_hand=5, quantity_allocated=0).with_on_hand(quantity)

    assert raised.value.field == "quantity"
    assert raised.value.code == "INVALID_QUANTITY"


# --- set_stock ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("actor", [ANONYMOUS, CATALOG_EDITOR], ids=["anonymous", "catalog-editor"])
async def test_set_stock_refuses_an_actor_without_inventory_permission(actor: Actor) -> None:
    original = make_stocked_variant(1, on_hand=5)
    service, store, _ = inventory(original)

    with pytest.raises(PermissionDenied):
        await service.set_stock(actor, variant_id=1, quantity=100)

    assert store.stock[1] == original
    assert (store.commits, store.committed_events) == (0, [])


async def test_set_stock_of_an_unknown_variant_raises_variant_not_found() -> None:
    service, store, _ = inventory(make_stocked_variant(1))

    with pytest.raises(VariantNotFound) as raised:
        await service.set_stock(STAFF, variant_id=2, quantity=3)

    assert raised.value.field == "variantId"
    assert raised.value.code == "VARIANT_NOT_FOUND"
    assert (store.commits, store.rollbacks, store.committed_events) == (0, 1, [])


@pytest.mark.parametrize("quantity", [-1, MAX_QUANTITY + 1])
async def test_set_stock_refuses_an_invalid_quantity_and_commits_nothing(quantity: int) -> None:
    original = make_stocked_variant(1, on_hand=5)
    service, store, _ = inventory(original)

    with pytest.raises(InvalidQuantity):
        await service.set_stock(STAFF, variant_id=1, quantity=quantity)

    assert store.stock[1] == original
    assert (store.commits, store.rollbacks, store.committed_events) == (0, 1, [])


@pytest.mark.parametrize("actor", [STAFF, SYSTEM], ids=["staff", "system"])
async def test_set_stock_records_the_count_and_announces_what_is_available(actor: Actor) -> None:
    # given a variant with 5 on hand, 2 of them allocated to orders
    service, store, _ = inventory(make_stocked_variant(7, product_id=3, sku="SHIRT-M", on_hand=5, allocated=2))

    # when a stock count finds 12
    level = await service.set_stock(actor, variant_id=7, quantity=12)

    # then 12 are on hand, 10 are available, and one event says so
    assert level == StockLevel(variant_id=7, quantity_on_hand=12, quantity_allocated=2)
    assert store.stock[7].level == level
    assert store.committed_events == [
        StockLevelChanged(variant_id=7, product_id=3, sku="SHIRT-M", quantity_available=10)
    ]
    assert (store.commits, store.rollbacks) == (1, 0)


async def test_set_stock_below_the_allocated_quantity_announces_nothing_available() -> None:
    service, store, _ = inventory(make_stocked_variant(7, on_hand=5, allocated=4))

    level = await service.set_stock(STAFF, variant_id=7, quantity=0)

    assert level.quantity_available == 0
    assert store.committed_events == [changed(7, available=0)]


# --- watch_stock --------------------------------------------------------------------------------------------------


async def test_watch_stock_yields_only_the_watched_variants() -> None:
    # given a shopper watching variants 1 and 3
    service, _, events = inventory()
    watcher = asyncio.create_task(collect(service.watch_stock(ANONYMOUS, variant_ids=frozenset({1, 3}))))
    await events.wait_for_subscribers(StockLevelChanged)

    # when changes to variants 1, 2 and 3 are published, with an unrelated event among them
    await events.publish([changed(1), changed(2), ProductUpdated(product_id=1), changed(3), changed(1, available=0)])
    events.close()

    # then the watcher saw variants 1 and 3 only, in order, and let go of its subscription
    assert await asyncio.wait_for(watcher, timeout=1) == [changed(1), changed(3), changed(1, available=0)]
    assert events.subscriber_count(StockLevelChanged) == 0


async def test_watch_stock_without_a_filter_yields_every_change() -> None:
    service, _, events = inventory()
    watcher = asyncio.create_task(collect(service.watch_stock(ANONYMOUS)))
    await events.wait_for_subscribers(StockLevelChanged)

    await events.publish([changed(1), changed(2)])
    events.close()

    assert await asyncio.wait_for(watcher, timeout=1) == [changed(1), changed(2)]


async def test_watch_stock_with_an_empty_filter_yields_nothing() -> None:
    service, _, events = inventory()
    watcher = asyncio.create_task(collect(service.watch_stock(ANONYMOUS, variant_ids=frozenset())))
    await events.wait_for_subscribers(StockLevelChanged)

    await events.publish([changed(1), changed(2)])
    events.close()

    assert await asyncio.wait_for(watcher, timeout=1) == []


async def test_a_committed_stock_change_reaches_a_watcher() -> None:
    # given a watcher on variant 7 and a staff member counting stock
    service, _, events = inventory(make_stocked_variant(7, on_hand=0), make_stocked_variant(8, on_hand=0))
    watcher = asyncio.create_task(collect(service.watch_stock(ANONYMOUS, variant_ids=frozenset({7}))))
    await events.wait_for_subscribers(StockLevelChanged)

    # when stock is set for both variants, and a refused change is attempted
    await service.set_stock(STAFF, variant_id=7, quantity=4)
    await service.set_stock(STAFF, variant_id=8, quantity=9)
    with pytest.raises(InvalidQuantity):
        await service.set_stock(STAFF, variant_id=7, quantity=-1)
    events.close()

    # then the watcher hears of the committed change to variant 7 only
    assert await asyncio.wait_for(watcher, timeout=1) == [changed(7, available=4)]


async def test_closing_a_watch_early_releases_its_subscription() -> None:
    service, _, events = inventory()
    stream = service.watch_stock(ANONYMOUS)
    assert isinstance(stream, AsyncGenerator)
    first = asyncio.create_task(anext(stream))
    await events.wait_for_subscribers(StockLevelChanged)

    await events.publish([changed(1)])
    assert await asyncio.wait_for(first, timeout=1) == changed(1)
    await stream.aclose()

    assert events.subscriber_count(StockLevelChanged) == 0
