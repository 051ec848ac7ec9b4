"""The fakes keep the promises of the ports they stand in for, so the service tests can trust them."""

from __future__ import annotations

import pytest

from domain.catalog.events import ProductUpdated
from domain.catalog.model import ProductQuery
from tests.fakes import NOW, FakeCatalogReader, FakeEventStream, FakeStore, make_product, make_stocked_variant


class Boom(Exception):
    pass


async def test_the_unit_of_work_applies_changes_and_events_on_commit() -> None:
    store = FakeStore()
    store.add_products(make_product(1, name="Shirt"))
    renamed = make_product(1, name="Linen shirt")

    async with store.unit_of_work() as uow:
        await uow.products.update(renamed)
        uow.record(ProductUpdated(product_id=1))
        assert store.products[1].name == "Shirt"
        await uow.commit()

    assert store.products[1] == renamed
    assert store.committed_events == [ProductUpdated(product_id=1)]
    assert (store.commits, store.rollbacks) == (1, 0)


async def change_then_fail(store: FakeStore) -> None:
    async with store.unit_of_work() as uow:
        await uow.products.update(make_product(1, name="Linen shirt"))
        await uow.stock.set_on_hand(5, 9)
        uow.record(ProductUpdated(product_id=1))
        raise Boom


async def test_the_unit_of_work_rolls_back_on_an_exception() -> None:
    store = FakeStore()
    store.add_products(make_product(1, name="Shirt"))
    store.add_stock(make_stocked_variant(5, on_hand=1))

    with pytest.raises(Boom):
        await change_then_fail(store)

    assert store.products[1].name == "Shirt"
    assert store.stock[5].level.quantity_on_hand == 1
    assert (store.commits, store.rollbacks, store.committed_events) == (0, 1, [])


async def test_the_unit_of_work_publishes_committed_events_only_to_active_subscribers() -> None:
    events = FakeEventStream()
    store = FakeStore(events=events)
    async with store.unit_of_work() as uow:
        uow.record(ProductUpdated(product_id=1))
        await uow.commit()

    async with events.subscribe(ProductUpdated) as stream:
        async with store.unit_of_work() as uow:
            uow.record(ProductUpdated(product_id=2))
            await uow.commit()
        events.close()
        assert [event async for event in stream] == [ProductUpdated(product_id=2)]


async def test_the_reader_lists_by_id_after_a_position_and_counts_every_match() -> None:
    store = FakeStore()
    store.add_products(*(make_product(n, is_published=n != 4, category_id=n % 2) for n in (5, 1, 4, 3, 2)))
    reader = FakeCatalogReader(store)

    everything = await reader.list_products(ProductQuery(visible_at=None), after=None, limit=10)
    published_after_2 = await reader.list_products(ProductQuery(visible_at=NOW), after=(2,), limit=2)
    odd = await reader.list_products(ProductQuery(category_ids=frozenset({1})), after=None, limit=10)

    assert ([p.id for p in everything.items], everything.total_count) == ([1, 2, 3, 4, 5], 5)
    assert ([p.id for p in published_after_2.items], published_after_2.total_count) == ([3, 5], 4)
    assert ([p.id for p in odd.items], odd.total_count) == ([1, 3, 5], 3)


async def test_the_reader_finds_by_slug() -> None:
    store = FakeStore()
    store.add_products(make_product(1, slug="shirt"))
    reader = FakeCatalogReader(store)

    assert (await reader.product_by_slug("shirt")) == make_product(1, slug="shirt")
    assert await reader.product_by_slug("hat") is None
    assert NOW.tzinfo is not None
