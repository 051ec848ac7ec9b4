"""Filters, sorts and keyset pagination agree with a brute-force reference, on random catalogues."""

from __future__ import annotations

from dataclasses import astuple, dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from app.bootstrap import Container
from data import catalog_search, catalog_sql
from data.catalog_reader import SqlCatalogReader
from data.loaders import build_loaders
from data.tables import categories, channel_prices, channels, product_channel_listings, products, stock, variants
from domain.catalog.attributes import NumberRange
from domain.catalog.model import ProductCriteria, ProductSort, ProductSortField, sort_name
from domain.catalog.search import SearchTerm, relevance_tier, tokenize, words
from domain.catalog.services import CatalogService
from domain.shared.actor import ANONYMOUS, staff
from domain.shared.pagination import PageRequest
from tests.fakes import FixedClock
from tests.support import reset_database

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
CATEGORY_IDS = (1, 2, 3)  # 2 is a child of 1


@dataclass(frozen=True)
class Row:
    id: int
    name: str
    category_id: int | None
    published: bool
    minutes: int
    on_hand: int
    price: int | None  # in the "us" channel; None: not sold there


rows_strategy = st.lists(
    st.builds(
        Row,
        id=st.just(0),
        name=st.text(alphabet="abcABC é%", min_size=1, max_size=4),  # "%": the tiers escape LIKE
        category_id=st.sampled_from((None, *CATEGORY_IDS)),
        published=st.booleans(),
        minutes=st.integers(0, 5),  # few distinct values: ties must break by id
        on_hand=st.integers(0, 2),
        price=st.one_of(st.none(), st.integers(0, 6)),  # few distinct prices: ties must break by id
    ),
    max_size=25,
)
query_strategy = st.fixed_dictionaries(
    {
        "category": st.sampled_from((None, *CATEGORY_IDS)),
        "in_stock": st.sampled_from((None, True, False)),
        # POSITION is a hand-picked collection's own order: tests of collections cover it.
        "field": st.sampled_from([f for f in ProductSortField if f is not ProductSortField.POSITION]),
        "descending": st.booleans(),
        "first": st.integers(1, 7),
        "staff": st.booleans(),
        # Words under four letters: matched as prefixes, without typo correction (which has tests of its own).
        # "sku" and "a sku" also match by SKU (`sku<id>`), which no name holds: the lowest relevance tier.
        "search": st.sampled_from((None, "a", "ab", "b c", "é", "abc", "ca", "ab%", "a%b", "sku", "a sku")),
        "channel": st.sampled_from((None, "us")),
        "price": st.sampled_from((None, (None, 3), (2, None), (1, 4), (5, 5))),
    }
)


async def _load(container: Container, rows: list[Row]) -> list[Row]:
    await reset_database(container.database)
    numbered = [Row(n, *astuple(r)[1:]) for n, r in enumerate(rows, 1)]
    async with container.database.engine.begin() as conn:
        await conn.execute(
            categories.insert(),
            [
                {"id": 1, "parent_id": None, "name": "A", "slug": "a", "description": "", "position": 0},
                {"id": 2, "parent_id": 1, "name": "B", "slug": "b", "description": "", "position": 0},
                {"id": 3, "parent_id": None, "name": "C", "slug": "c", "description": "", "position": 1},
            ],
        )
        # Every example has the channel, empty or not: the small tables are cached together, and a listing
        # in `us` must not depend on which example filled the cache first.
        await conn.execute(
            channels.insert().values(
                slug="us", name="US", currency="USD", default_country="US", prices_include_tax=False, position=0
            )
        )
        if not numbered:
            return numbered
        created = [EPOCH + timedelta(minutes=r.minutes) for r in numbered]
        await conn.execute(
            products.insert(),
            [
                {
                    "id": r.id,
                    "name": r.name,
                    "sort_name": sort_name(r.name),
                    "slug": f"p-{r.id}",
                    "description": "",
                    "category_id": r.category_id,
                    "is_published": r.published,
                    "created_at": at,
                    "updated_at": at,
                }
                for r, at in zip(numbered, created, strict=True)
            ],
        )
        variant_rows: list[dict[str, Any]] = [
            {
                "id": r.id,
                "product_id": r.id,
                "sku": f"sku{r.id}",
                "name": "v",
                "options": [],
                "price_amount": 1,
                "price_currency": "USD",
                "position": 0,
            }
            for r in numbered
        ]
        await conn.execute(variants.insert(), variant_rows)
        await conn.execute(
            stock.insert(),
            [{"variant_id": r.id, "quantity_on_hand": r.on_hand, "quantity_allocated": 0} for r in numbered],
        )
        await catalog_search.refresh(conn, [r.id for r in numbered])
        await catalog_sql.refresh_availability(conn, [r.id for r in numbered])
        priced = [(r.id, Decimal(r.price)) for r in numbered if r.price is not None]
        if priced:
            await conn.execute(
                channel_prices.insert(),
                [{"variant_id": pid, "channel_slug": "us", "amount": price} for pid, price in priced],
            )
            await conn.execute(
                product_channel_listings.insert(),
                [{"product_id": pid, "channel_slug": "us", "min_price": price} for pid, price in priced],
            )
    return numbered


def _within(price: int | None, bounds: tuple[int | None, int | None]) -> bool:
    low, high = bounds
    return price is not None and (low is None or price >= low) and (high is None or price <= high)


def _reference(rows: list[Row], query: dict[str, Any]) -> list[int]:
    subtree = {1: {1, 2}, 2: {2}, 3: {3}}
    search = query["search"]

    def found(r: Row) -> bool:
        # Every search word is in the product's words: as a prefix from three letters on, else whole.
        known = words(f"{r.name} sku{r.id}")
        terms = [SearchTerm(term) for term in tokenize(search)]
        return all(any(w.startswith(t.word) if t.prefix else w == t.word for w in known) for t in terms)

    kept = [
        r
        for r in rows
        if (query["staff"] or r.published)
        and (query["category"] is None or r.category_id in subtree[query["category"]])
        and (query["in_stock"] is None or (r.on_hand > 0) is query["in_stock"])
        and (search is None or found(r))
        and (query["channel"] is None or r.price is not None)
        and (query["price"] is None or _within(r.price, query["price"]))
    ]

    def key(r: Row) -> tuple[Any, ...]:
        if query["field"] is ProductSortField.RELEVANCE:
            return (-relevance_tier(name=r.name, text=search), sort_name(r.name), r.id)
        if query["field"] is ProductSortField.PRICE:
            return (r.price or 0, r.id)  # only products with a price are listed when sorting by it
        if query["field"] is ProductSortField.NAME:
            return (sort_name(r.name), r.id)
        if query["field"] is ProductSortField.CREATED_AT:
            return (r.minutes, r.id)
        return (r.id,)

    return [r.id for r in sorted(kept, key=key, reverse=query["descending"])]


def _every_tier(*, category_id: int | None = None) -> list[Row]:
    names = ("Sku", "Ask u", "b", "Skull", "Sku b", "z skull", "c", "sku", "a sku skull", "x skull skulls", "Tasku")
    return [Row(0, name, category_id, True, 0, 0, None) for name in names]


def _by_relevance(search: str, *, first: int, descending: bool = False, category: int | None = None) -> dict[str, Any]:
    return {
        "category": category,
        "in_stock": None,
        "field": ProductSortField.RELEVANCE,
        "descending": descending,
        "first": first,
        "staff": False,
        "search": search,
        "channel": None,
        "price": None,
    }


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=rows_strategy, query=query_strategy)
# Found by this test: two products at one price, walked by price a page of one at a time. On SQLite the cursor's
# price was compared, unscaled, with the stored scaled integer, and the first product came back on every page.
@example(
    rows=[Row(0, "A", None, False, 0, 0, 1), Row(0, "A", None, False, 0, 0, 1)],
    query={
        "category": None,
        "in_stock": None,
        "field": ProductSortField.PRICE,
        "descending": False,
        "first": 1,
        "staff": True,
        "search": None,
        "channel": "us",
        "price": None,
    },
)
# A "%" in the search is a character, not LIKE's wildcard: "ab c" holds the word "ab" (tier 1) but does not start
# with "ab%" (tier 2, "ab%c" only).
@example(
    rows=[Row(0, "ab c", None, True, 0, 0, None), Row(0, "ab%c", None, True, 0, 0, None)],
    query={
        "category": None,
        "in_stock": None,
        "field": ProductSortField.RELEVANCE,
        "descending": False,
        "first": 1,
        "staff": False,
        "search": "ab%",
        "channel": None,
        "price": None,
    },
)
# Every relevance tier, a page of one at a time both ways, and of four: the exact name, a name starting with the
# text, names in which each word begins a word ("Z skull" does, "Ask u" and "Tasku" do not; "a sku skull" and
# "x skull skulls" twice over, once on the page), and products found by their SKU alone. Unfiltered, the page walks
# names; in a category, it ranks every match (`product_listing._walks_names`).
@example(rows=_every_tier(), query=_by_relevance("sku", first=1))
@example(rows=_every_tier(), query=_by_relevance("sku", first=4))
@example(rows=_every_tier(), query=_by_relevance("sku", first=3, descending=True))
@example(rows=_every_tier(category_id=3), query=_by_relevance("sku", first=1, category=3))
@example(rows=_every_tier(category_id=3), query=_by_relevance("sku", first=2, category=3, descending=True))
async def test_every_listing_walks_in_the_reference_order(
    container: Container, rows: list[Row], query: dict[str, Any]
) -> None:
    assume(query["search"] is not None or query["field"] is not ProductSortField.RELEVANCE)
    assume(query["channel"] is not None or (query["field"] is not ProductSortField.PRICE and query["price"] is None))
    numbered = await _load(container, rows)
    service = CatalogService(
        reader=SqlCatalogReader(
            container.database,
            build_loaders(container.database, container.cached),
            default_channel=container.settings.default_channel,
        ),
        uow=container.unit_of_work,
        clock=FixedClock(EPOCH),
    )
    sort = ProductSort(field=query["field"], descending=query["descending"])
    actor = staff("t") if query["staff"] else ANONYMOUS
    seen: list[int] = []
    after = None
    expected = _reference(numbered, query)

    for _ in range(len(numbered) + 2):
        price = query["price"]
        criteria = ProductCriteria(
            category_id=query["category"],
            in_stock=query["in_stock"],
            search=query["search"],
            channel=query["channel"],
            price_range=None if price is None else NumberRange(*(None if b is None else Decimal(b) for b in price)),
            sort=sort,
        )
        page = await service.browse_products(actor, criteria, page=PageRequest(first=query["first"], after=after))
        assert page.total_count == len(expected)
        seen.extend(p.id for p in page.items)
        if not page.has_next_page:
            break
        after = page.cursors[-1]

    assert seen == expected
