"""`CatalogService` against in-memory fakes: browsing for shoppers, editing for staff."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import pytest

from domain.catalog.errors import (
    CategoryNotFound,
    InvalidProductName,
    InvalidSku,
    InvalidSlug,
    ProductNotFound,
    SkuTaken,
    SlugTaken,
    VariantNotFound,
)
from domain.catalog.events import CategoryUpdated, ProductUpdated, VariantUpdated
from domain.catalog.model import Category, Product, ProductCriteria
from domain.catalog.services import CATEGORIES_SCOPE, PRODUCTS_SCOPE, CatalogService
from domain.shared.actor import ANONYMOUS, SYSTEM, Actor, ActorKind, Permission, staff
from domain.shared.errors import PermissionDenied
from domain.shared.pagination import InvalidCursor, Page, PageRequest, encode_cursor
from tests.fakes import NOW, FakeCatalogReader, FakeStore, FixedClock, make_category, make_product, make_variant

STAFF = staff("alice")
CUSTOMER = Actor(ActorKind.CUSTOMER, id="bob")
INVENTORY_CLERK = Actor(ActorKind.STAFF, id="carol", permissions=frozenset({Permission.MANAGE_INVENTORY}))


def catalog(
    *products: Product, categories: tuple[Category, ...] = (), clock: FixedClock | None = None
) -> tuple[CatalogService, FakeStore]:
    """Build the service over a store holding the given products and categories."""
    store = FakeStore()
    store.add_products(*products)
    store.add_categories(*categories)
    service = CatalogService(reader=FakeCatalogReader(store), uow=store.unit_of_work, clock=clock or FixedClock())
    return service, store


def product_ids(page: Page[Product]) -> list[int]:
    return [p.id for p in page.items]


def category_ids(page: Page[Category]) -> list[int]:
    return [c.id for c in page.items]


# --- browse_products ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "actor", [ANONYMOUS, CUSTOMER, INVENTORY_CLERK], ids=["anonymous", "customer", "no-permission"]
)
async def test_browse_products_hides_unpublished_products_from_shoppers(actor: Actor) -> None:
    # given two published products and a draft
    service, _ = catalog(make_product(1), make_product(2, is_published=False), make_product(3))

    # when a shopper browses
    page = await service.browse_products(actor, page=PageRequest())

    # then only the published ones are listed and counted
    assert product_ids(page) == [1, 3]
    assert page.total_count == 2
    assert page.has_next_page is False
    assert page.has_previous_page is False


@pytest.mark.parametrize("actor", [STAFF, SYSTEM], ids=["staff", "system"])
async def test_browse_products_shows_unpublished_products_to_catalog_staff(actor: Actor) -> None:
    service, _ = catalog(make_product(1), make_product(2, is_published=False), make_product(3))

    page = await service.browse_products(actor, page=PageRequest())

    assert product_ids(page) == [1, 2, 3]
    assert page.total_count == 3


async def test_browse_products_in_a_category_includes_its_whole_subtree() -> None:
    # given shoes > boots > hiking boots, and hats beside them
    categories = (
        make_category(10, slug="shoes"),
        make_category(11, parent_id=10, slug="boots"),
        make_category(12, parent_id=11, slug="hiking-boots"),
        make_category(20, slug="hats"),
    )
    service, _ = catalog(
        make_product(1, category_id=10),
        make_product(2, category_id=11),
        make_product(3, category_id=12),
        make_product(4, category_id=20),
        make_product(5, category_id=None),
        make_product(6, category_id=12, is_published=False),
        categories=categories,
    )

    boots = await service.browse_products(ANONYMOUS, ProductCriteria(category_id=11), page=PageRequest())
    shoes = await service.browse_products(ANONYMOUS, ProductCriteria(category_id=10), page=PageRequest())
    boots_for_staff = await service.browse_products(STAFF, ProductCriteria(category_id=11), page=PageRequest())

    assert product_ids(boots) == [2, 3]
    assert boots.total_count == 2
    assert product_ids(shoes) == [1, 2, 3]
    assert product_ids(boots_for_staff) == [2, 3, 6]


async def test_browse_products_in_an_unknown_category_raises_category_not_found() -> None:
    service, _ = catalog(make_product(1), categories=(make_category(10),))

    with pytest.raises(CategoryNotFound) as raised:
        await service.browse_products(ANONYMOUS, ProductCriteria(category_id=99), page=PageRequest())

    assert raised.value.field == "categoryId"


@pytest.mark.parametrize("first", [1, 2, 3, 4, 7, 100])
@pytest.mark.parametrize("actor", [ANONYMOUS, STAFF], ids=["anonymous", "staff"])
async def test_walking_every_page_returns_each_visible_product_exactly_once(first: int, actor: Actor) -> None:
    # given products with gaps in their ids, every third one a draft
    products = [make_product(n, is_published=n % 3 != 0) for n in (2, 3, 5, 8, 9, 13, 21, 34, 35, 36, 55, 89)]
    service, _ = catalog(*products)
    visible = [p.id for p in products if p.is_published or actor is STAFF]

    # when walking forward page by page with each page's last cursor
    seen: list[int] = []
    pages = 0
    after: str | None = None
    while True:
        page = await service.browse_products(actor, page=PageRequest(first=first, after=after))
        pages += 1
        seen.extend(product_ids(page))
        assert page.total_count == len(visible)
        assert page.has_previous_page is (after is not None)
        if not page.has_next_page:
            break
        after = page.cursors[-1]

    # then every visible product came exactly once, in id order, in the fewest pages
    assert seen == visible
    assert pages == math.ceil(len(visible) / first)


async def test_browse_products_with_an_empty_page_still_tells_whether_there_is_more() -> None:
    service, _ = catalog(make_product(1), make_product(2))

    page = await service.browse_products(ANONYMOUS, page=PageRequest(first=0))

    assert product_ids(page) == []
    assert page.has_next_page is True
    assert page.total_count == 2


async def test_browse_products_after_the_last_product_is_empty() -> None:
    service, _ = catalog(make_product(1), make_product(2))

    page = await service.browse_products(ANONYMOUS, page=PageRequest(after=encode_cursor(PRODUCTS_SCOPE, (2,))))

    assert product_ids(page) == []
    assert page.has_next_page is False
    assert page.has_previous_page is True
    assert page.total_count == 2


@pytest.mark.parametrize(
    "after",
    [encode_cursor(CATEGORIES_SCOPE, (1,)), encode_cursor(PRODUCTS_SCOPE, ("1",)), "garbage"],
    ids=["categories-cursor", "wrong-type", "garbage"],
)
async def test_browse_products_refuses_a_cursor_of_another_listing_or_shape(after: str) -> None:
    service, _ = catalog(make_product(1), make_product(2))

    with pytest.raises(InvalidCursor):
        await service.browse_products(ANONYMOUS, page=PageRequest(after=after))


# --- get_product and find_product ---------------------------------------------------------------------------------


async def test_get_product_by_id_and_by_slug() -> None:
    shirt = make_product(1, slug="linen-shirt")
    service, _ = catalog(shirt, make_product(2, slug="straw-hat"))

    assert await service.get_product(ANONYMOUS, product_id=1) == shirt
    assert await service.get_product(ANONYMOUS, slug="linen-shirt") == shirt


@pytest.mark.parametrize(
    ("product_id", "slug"), [(99, None), (None, "no-such-thing"), (None, None)], ids=["id", "slug", "neither"]
)
async def test_get_product_that_does_not_exist_raises_product_not_found(
    product_id: int | None, slug: str | None
) -> None:
    service, _ = catalog(make_product(1, slug="linen-shirt"))

    with pytest.raises(ProductNotFound) as raised:
        await service.get_product(ANONYMOUS, product_id=product_id, slug=slug)

    assert raised.value.code == "PRODUCT_NOT_FOUND"


@pytest.mark.parametrize(("product_id", "slug"), [(1, None), (None, "draft")], ids=["id", "slug"])
async def test_get_product_hides_an_unpublished_product_from_shoppers(product_id: int | None, slug: str | None) -> None:
    draft = make_product(1, slug="draft", is_published=False)
    service, _ = catalog(draft)

    with pytest.raises(ProductNotFound):
        await service.get_product(ANONYMOUS, product_id=product_id, slug=slug)
    with pytest.raises(ProductNotFound):
        await service.get_product(CUSTOMER, product_id=product_id, slug=slug)
    assert await service.get_product(STAFF, product_id=product_id, slug=slug) == draft


async def test_find_product_returns_none_for_what_the_actor_may_not_see() -> None:
    shirt = make_product(1)
    draft = make_product(2, is_published=False)
    service, _ = catalog(shirt, draft)

    assert await service.find_product(ANONYMOUS, 1) == shirt
    assert await service.find_product(ANONYMOUS, 2) is None
    assert await service.find_product(ANONYMOUS, 3) is None
    assert await service.find_product(STAFF, 2) == draft


# --- categories ---------------------------------------------------------------------------------------------------


def category_listing() -> tuple[Category, ...]:
    return (
        make_category(1, name="Shoes", position=2),
        make_category(2, name="Hats", position=0),
        make_category(3, name="Bags", position=1),
        make_category(4, name="Coats", position=3),
        make_category(5, name="Scarves", position=4),
        make_category(6, parent_id=1, name="Boots", position=1),
        make_category(7, parent_id=1, name="Sandals", position=0),
    )


async def test_browse_categories_lists_the_top_level_in_display_order() -> None:
    service, _ = catalog(categories=category_listing())

    page = await service.browse_categories(page=PageRequest())

    assert category_ids(page) == [2, 3, 1, 4, 5]
    assert page.total_count == 5
    assert page.has_next_page is False


async def test_browse_categories_under_a_parent() -> None:
    service, _ = catalog(categories=category_listing())

    page = await service.browse_categories(parent_id=1, page=PageRequest())

    assert category_ids(page) == [7, 6]
    assert page.total_count == 2


async def test_browse_categories_walks_every_page() -> None:
    service, _ = catalog(categories=category_listing())

    first = await service.browse_categories(page=PageRequest(first=2))
    second = await service.browse_categories(page=PageRequest(first=2, after=first.cursors[-1]))
    third = await service.browse_categories(page=PageRequest(first=2, after=second.cursors[-1]))

    assert [category_ids(p) for p in (first, second, third)] == [[2, 3], [1, 4], [5]]
    assert [p.has_next_page for p in (first, second, third)] == [True, True, False]
    assert [p.has_previous_page for p in (first, second, third)] == [False, True, True]
    assert {p.total_count for p in (first, second, third)} == {5}


@pytest.mark.parametrize(
    "after",
    [
        encode_cursor(CATEGORIES_SCOPE, (99,)),
        encode_cursor(CATEGORIES_SCOPE, (6,)),
        encode_cursor(PRODUCTS_SCOPE, (2,)),
    ],
    ids=["gone", "of-another-parent", "products-cursor"],
)
async def test_browse_categories_refuses_a_cursor_that_points_nowhere_in_the_listing(after: str) -> None:
    service, _ = catalog(categories=category_listing())

    with pytest.raises(InvalidCursor) as raised:
        await service.browse_categories(page=PageRequest(after=after))

    assert raised.value.field == "after"


async def test_get_category_by_id_and_slug() -> None:
    hats = make_category(2, slug="hats")
    service, _ = catalog(categories=(make_category(1), hats))

    assert await service.get_category(category_id=2) == hats
    assert await service.get_category(slug="hats") == hats
    assert len(await service.category_tree()) == 2


@pytest.mark.parametrize(("category_id", "slug"), [(99, None), (None, "gloves"), (None, None), (None, "")])
async def test_get_category_that_does_not_exist_raises_category_not_found(
    category_id: int | None, slug: str | None
) -> None:
    service, _ = catalog(categories=(make_category(1, slug="hats"),))

    with pytest.raises(CategoryNotFound):
        await service.get_category(category_id=category_id, slug=slug)


# --- update_product -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "actor", [ANONYMOUS, CUSTOMER, INVENTORY_CLERK], ids=["anonymous", "customer", "no-permission"]
)
async def test_update_product_refuses_an_actor_without_catalog_permission(actor: Actor) -> None:
    original = make_product(1, name="Shirt")
    service, store = catalog(original)

    with pytest.raises(PermissionDenied) as raised:
        await service.update_product(actor, product_id=1, name="Hacked")

    assert raised.value.code == "FORBIDDEN"
    assert store.products[1] == original
    assert (store.commits, store.committed_events) == (0, [])


async def test_update_product_that_does_not_exist_raises_product_not_found() -> None:
    service, store = catalog(make_product(1))

    with pytest.raises(ProductNotFound) as raised:
        await service.update_product(STAFF, product_id=2, name="Hat")

    assert raised.value.field == "id"
    assert (store.commits, store.rollbacks, store.committed_events) == (0, 1, [])


async def test_update_product_changes_the_product_records_an_event_and_commits() -> None:
    # given a product and a staff member
    clock = FixedClock(NOW)
    service, store = catalog(make_product(1, name="Shirt", slug="shirt", description="Old."), clock=clock)

    # when the staff member renames it
    updated = await service.update_product(
        STAFF, product_id=1, name=" Linen shirt ", slug="linen-shirt", description="Cool. "
    )

    # then the change is committed, with one ProductUpdated event
    assert (updated.name, updated.slug, updated.description, updated.updated_at) == (
        "Linen shirt",
        "linen-shirt",
        "Cool.",
        NOW,
    )
    assert store.products[1] == updated
    assert store.committed_events == [ProductUpdated(product_id=1)]
    assert (store.commits, store.rollbacks) == (1, 0)


async def test_an_updated_product_is_found_under_its_new_slug() -> None:
    service, _ = catalog(make_product(1, slug="shirt"))

    await service.update_product(STAFF, product_id=1, slug="linen-shirt")

    assert (await service.get_product(ANONYMOUS, slug="linen-shirt")).id == 1
    with pytest.raises(ProductNotFound):
        await service.get_product(ANONYMOUS, slug="shirt")


async def test_update_product_may_keep_its_own_slug() -> None:
    service, store = catalog(make_product(1, slug="shirt"), make_product(2, slug="hat"))

    updated = await service.update_product(STAFF, product_id=1, slug="shirt", name="Shirt")

    assert updated.slug == "shirt"
    assert store.commits == 1


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"name": "   "}, InvalidProductName),
        ({"name": "x" * 251}, InvalidProductName),
        ({"slug": "Linen Shirt"}, InvalidSlug),
        ({"slug": "hat"}, SlugTaken),
        ({"name": "Linen shirt", "slug": "hat"}, SlugTaken),
        ({"name": "Linen shirt", "slug": "bad--slug"}, InvalidSlug),
    ],
    ids=["blank-name", "long-name", "bad-slug", "slug-taken", "valid-name-slug-taken", "valid-name-bad-slug"],
)
async def test_a_failed_update_commits_nothing(changes: dict[str, Any], error: type[Exception]) -> None:
    # given two products
    shirt = make_product(1, name="Shirt", slug="shirt")
    service, store = catalog(shirt, make_product(2, slug="hat"))

    # when an update breaks a rule
    with pytest.raises(error):
        await service.update_product(STAFF, product_id=1, **changes)

    # then the transaction rolled back: the product is unchanged and no event went out
    assert store.products[1] == shirt
    assert (store.commits, store.rollbacks, store.committed_events) == (0, 1, [])


async def test_slug_taken_names_the_slug_field() -> None:
    service, _ = catalog(make_product(1, slug="shirt"), make_product(2, slug="hat"))

    with pytest.raises(SlugTaken) as raised:
        await service.update_product(STAFF, product_id=1, slug="hat")

    assert raised.value.field == "slug"
    assert raised.value.code == "SLUG_TAKEN"


async def test_update_product_keeps_fields_it_was_not_given() -> None:
    original = make_product(1, name="Shirt", slug="shirt", description="Old.", category_id=4, is_published=False)
    service, store = catalog(original)

    updated = await service.update_product(STAFF, product_id=1, description="New.")

    assert updated == replace(original, description="New.", updated_at=NOW)
    assert store.products[1] == updated


# --- moving and publishing products, editing categories and variants ---------------------------------------------


async def test_a_product_moves_to_another_category_and_can_be_unpublished() -> None:
    shirts, hats = make_category(1, slug="shirts"), make_category(2, slug="hats")
    service, store = catalog(make_product(1, category_id=1), categories=(shirts, hats))

    moved = await service.update_product(STAFF, product_id=1, category_id=2, is_published=False)

    assert (moved.category_id, moved.is_published) == (2, False)
    assert store.products[1] == moved
    with pytest.raises(ProductNotFound):
        await service.get_product(ANONYMOUS, product_id=1)


async def test_moving_a_product_to_an_unknown_category_commits_nothing() -> None:
    service, store = catalog(make_product(1, category_id=1), categories=(make_category(1),))

    with pytest.raises(CategoryNotFound) as refused:
        await service.update_product(STAFF, product_id=1, category_id=99)

    assert refused.value.field == "categoryId"
    assert store.products[1].category_id == 1
    assert (store.commits, store.rollbacks) == (0, 1)


async def test_a_category_is_renamed_and_its_slug_must_stay_unique() -> None:
    service, store = catalog(categories=(make_category(1, slug="shirts"), make_category(2, slug="hats")))

    renamed = await service.update_category(STAFF, category_id=1, name=" Tops ", slug="tops", description=" All. ")
    with pytest.raises(SlugTaken):
        await service.update_category(STAFF, category_id=1, slug="hats")
    with pytest.raises(CategoryNotFound):
        await service.update_category(STAFF, category_id=9, name="X")
    with pytest.raises(PermissionDenied):
        await service.update_category(INVENTORY_CLERK, category_id=1, name="X")

    assert (renamed.name, renamed.slug, renamed.description) == ("Tops", "tops", "All.")
    assert store.categories[1] == renamed
    assert store.committed_events == [CategoryUpdated(category_id=1)]


@pytest.mark.parametrize(
    ("changes", "error"),
    [({"sku": ""}, InvalidSku), ({"sku": "has space"}, InvalidSku), ({"sku": "x" * 65}, InvalidSku),
     ({"sku": "HAT-1"}, SkuTaken), ({"name": "x" * 251}, InvalidProductName)],
    ids=["empty", "space", "long", "taken", "long-name"],
)  # fmt: skip
async def test_a_bad_variant_change_commits_nothing(changes: dict[str, str], error: type[Exception]) -> None:
    service, store = catalog()
    store.add_variants(make_variant(1, product_id=1, sku="SHIRT-1"), make_variant(2, product_id=2, sku="HAT-1"))

    with pytest.raises(error):
        await service.update_variant(STAFF, variant_id=1, **changes)

    assert store.variants[1].sku == "SHIRT-1"
    assert (store.commits, store.rollbacks) == (0, 1)


async def test_a_variant_gets_a_new_sku_and_name() -> None:
    service, store = catalog()
    store.add_variants(make_variant(1, product_id=7, sku="SHIRT-1"))

    changed = await service.update_variant(STAFF, variant_id=1, sku=" SHIRT-1/B ", name="Blue")
    with pytest.raises(VariantNotFound):
        await service.update_variant(STAFF, variant_id=2, name="X")

    assert (changed.sku, changed.name) == ("SHIRT-1/B", "Blue")
    assert store.committed_events == [VariantUpdated(product_id=7, variant_id=1)]
