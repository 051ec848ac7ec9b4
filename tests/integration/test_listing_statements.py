"""A listing's statement is built once per shape and executed with the listing's values: other words, categories
and page sizes reuse its SQL text (one prepared statement per connection), and still answer correctly."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from app.bootstrap import Container
from data.product_listing import fetch_product_slice
from domain.catalog.model import ProductQuery, ProductSort, ProductSortField
from domain.catalog.search import SearchQuery, SearchTerm
from tests.factories import add_category, add_product

NOW = datetime(2030, 1, 1, tzinfo=UTC)


@contextmanager
def statements_of(container: Container) -> Iterator[list[str]]:
    seen: list[str] = []
    with container.database.observed(seen.append):
        yield seen


def _search(word: str) -> ProductQuery:
    return ProductQuery(
        visible_at=NOW,
        search=SearchQuery(word, (SearchTerm(word),)),
        sort=ProductSort(ProductSortField.RELEVANCE),
    )


async def test_searches_for_other_words_and_pages_share_one_statement(container: Container) -> None:
    for name in ("Wool Coat", "Wool Scarf", "Linen Shirt", "Linen Coat"):
        await add_product(container.database, name=name)

    reads = container.database.reads
    with statements_of(container) as seen:
        wool = (await fetch_product_slice(reads, _search("wool"), after=None, limit=1))[0]
        linen = (await fetch_product_slice(reads, _search("linen"), after=None, limit=5))[0]
        next_wool = (await fetch_product_slice(reads, _search("wool"), after=wool.keys[0], limit=5))[0]
        next_linen = (await fetch_product_slice(reads, _search("linen"), after=linen.keys[0], limit=1))[0]

    assert [p.name for p in wool.items] == ["Wool Coat"]
    assert [p.name for p in linen.items] == ["Linen Coat", "Linen Shirt"]
    assert [p.name for p in next_wool.items] == ["Wool Scarf"]
    assert [p.name for p in next_linen.items] == ["Linen Shirt"]
    assert (wool.total_count, linen.total_count) == (2, 2)
    first_pages, next_pages = {seen[0], seen[1]}, {seen[2], seen[3]}
    assert len(first_pages) == len(next_pages) == 1  # one text per shape, whatever the words and the page size
    assert first_pages != next_pages  # a cursor is another shape


async def test_listings_of_other_categories_share_one_statement(container: Container) -> None:
    coats = await add_category(container.database, name="Coats", slug="coats")
    shirts = await add_category(container.database, name="Shirts", slug="shirts")
    await add_product(container.database, name="Coat", category_id=coats)
    await add_product(container.database, name="Shirt", category_id=shirts)
    await add_product(container.database, name="Other shirt", category_id=shirts)

    def in_categories(*ids: int) -> ProductQuery:
        return ProductQuery(category_ids=frozenset(ids), sort=ProductSort(ProductSortField.NAME))

    reads = container.database.reads
    with statements_of(container) as seen:
        one = (await fetch_product_slice(reads, in_categories(coats), after=None, limit=24))[0]
        both = (await fetch_product_slice(reads, in_categories(coats, shirts), after=None, limit=24))[0]

    assert [p.name for p in one.items] == ["Coat"]
    assert [p.name for p in both.items] == ["Coat", "Other shirt", "Shirt"]
    if container.database.engine.dialect.name == "postgresql":
        assert seen[0] == seen[1]  # the categories are one array parameter
