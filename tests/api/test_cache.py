"""Hot reads come from the cache; a committed write is visible on the very next read."""

from __future__ import annotations

from datetime import UTC, datetime

from app.bootstrap import Container
from tests.factories import VariantSpec, add_category, add_product
from tests.support import Api, StatementCounter

PRODUCT = """
query($slug: String!) {
  product(slug: $slug) {
    name description
    category { name }
    images { url }
    variants { id sku price { amount } quantityAvailable }
  }
}
"""


def _hits(container: Container) -> float:
    return container.metrics.value("vitrine_cache_hits_total")


async def test_a_second_read_of_a_hot_product_comes_from_the_cache(api: Api, container: Container) -> None:
    category = await add_category(container.database, name="Bags", slug="bags")
    await add_product(container.database, name="Tote", slug="tote", category_id=category, image_urls=["u"])
    counter = StatementCounter(container.metrics)
    first = await api.data(PRODUCT, {"slug": "tote"})
    assert counter.count > 0
    hits_before = _hits(container)
    counter.reset()

    second = await api.data(PRODUCT, {"slug": "tote"})

    assert second == first
    assert counter.count == 0
    assert _hits(container) - hits_before >= 6  # slug, product, category tree, images, variants, stock


async def test_a_write_through_the_data_layer_is_read_back_at_once(api: Api, container: Container) -> None:
    product_id = await add_product(container.database, name="Tote", slug="tote")
    await api.data(PRODUCT, {"slug": "tote"})

    async with container.unit_of_work() as uow:
        product = await uow.products.get(product_id)
        assert product is not None
        edited = product.edit(name="Big Tote", slug=None, description="Roomier.", at=datetime.now(UTC))
        await uow.products.update(edited)
        await uow.commit()

    after = await api.data(PRODUCT, {"slug": "tote"})
    assert after["product"]["name"] == "Big Tote"
    assert after["product"]["description"] == "Roomier."


async def test_a_renamed_slug_stops_answering_and_the_new_one_answers(api: Api, container: Container) -> None:
    product_id = await add_product(container.database, name="Tote", slug="tote")
    global_id = (await api.data('{ product(slug: "tote") { id } }'))["product"]["id"]

    await api.data(
        'mutation($id: ID!) { productUpdate(id: $id, input: {slug: "canvas-tote"}) { userErrors { code } } }',
        {"id": global_id},
        staff=True,
    )

    assert (await api.data(PRODUCT, {"slug": "tote"}))["product"] is None
    assert (await api.data(PRODUCT, {"slug": "canvas-tote"}))["product"]["name"] == "Tote"
    assert product_id > 0


async def test_a_stock_change_is_read_back_at_once(api: Api, container: Container) -> None:
    await add_product(container.database, slug="tote", variants_=[VariantSpec(sku="T-1", on_hand=4)])
    before = await api.data(PRODUCT, {"slug": "tote"})
    variant = before["product"]["variants"][0]
    assert variant["quantityAvailable"] == 4

    await api.data(
        "mutation($v: ID!) { stockUpdate(variantId: $v, quantity: 9) { userErrors { code } } }",
        {"v": variant["id"]},
        staff=True,
    )

    after = await api.data(PRODUCT, {"slug": "tote"})
    assert after["product"]["variants"][0]["quantityAvailable"] == 9
