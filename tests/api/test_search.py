"""Search: by name, SKU, description, attribute values and translations, forgiving a typo, exact names first,
with suggestions."""

from __future__ import annotations

import base64
import json

from app.bootstrap import Container
from tests.factories import VariantSpec, add_attribute, add_product, add_translation, set_attribute
from tests.support import Api

SEARCH = """
query($q: String!, $after: String) {
  products(search: $q, first: 3, after: $after) { totalCount nodes { name } pageInfo { endCursor hasNextPage } }
}
"""


async def _catalogue(container: Container) -> None:
    db = container.database
    await add_product(db, name="Rain Jacket Pro", variants_=[VariantSpec(sku="RJ-PRO-1")])
    await add_product(db, name="Jacket", variants_=[VariantSpec(sku="J-1")])
    await add_product(db, name="Down Jacket", variants_=[VariantSpec(sku="DJ-7")])
    await add_product(db, name="Wool Scarf", variants_=[VariantSpec(sku="WS-2")])
    await add_product(db, name="Canvas Tote", variants_=[VariantSpec(sku="CT-9")])


async def _names(api: Api, text: str) -> list[str]:
    return [n["name"] for n in (await api.data(SEARCH, {"q": text}))["products"]["nodes"]]


async def test_an_exact_name_ranks_first_then_names_that_start_with_it(api: Api, container: Container) -> None:
    await _catalogue(container)

    assert await _names(api, "jacket") == ["Jacket", "Down Jacket", "Rain Jacket Pro"]
    assert await _names(api, "rain jacket") == ["Rain Jacket Pro"]


async def test_a_sku_finds_its_product(api: Api, container: Container) -> None:
    await _catalogue(container)

    assert await _names(api, "ws-2") == ["Wool Scarf"]


async def test_a_one_letter_typo_still_finds_the_product(api: Api, container: Container) -> None:
    await _catalogue(container)

    assert await _names(api, "jaket") == ["Down Jacket", "Jacket", "Rain Jacket Pro"]
    assert await _names(api, "scraf") == ["Wool Scarf"]


async def test_search_as_you_type_matches_prefixes(api: Api, container: Container) -> None:
    await _catalogue(container)

    assert await _names(api, "jack") == ["Jacket", "Down Jacket", "Rain Jacket Pro"]


async def test_the_description_is_searched_too(api: Api, container: Container) -> None:
    await _catalogue(container)

    assert await _names(api, "about tote") == ["Canvas Tote"]


async def test_search_results_page_with_cursors(api: Api, container: Container) -> None:
    for n in range(5):
        await add_product(container.database, name=f"Linen Shirt {n}")
    first = (await api.data(SEARCH, {"q": "linen"}))["products"]

    rest = (await api.data(SEARCH, {"q": "linen", "after": first["pageInfo"]["endCursor"]}))["products"]

    assert first["totalCount"] == 5
    assert [n["name"] for n in first["nodes"] + rest["nodes"]] == [f"Linen Shirt {n}" for n in range(5)]
    assert rest["pageInfo"]["hasNextPage"] is False


async def test_a_cursor_of_another_search_is_refused(api: Api, container: Container) -> None:
    await _catalogue(container)
    cursor = (await api.data(SEARCH, {"q": "jacket"}))["products"]["pageInfo"]["endCursor"]

    errors = await api.errors(SEARCH, {"q": "scarf", "after": cursor})

    assert errors[0]["extensions"]["code"] == "INVALID_CURSOR"


async def test_a_relevance_cursor_outside_the_tiers_is_refused(api: Api, container: Container) -> None:
    await _catalogue(container)
    cursor = (await api.data(SEARCH, {"q": "jacket"}))["products"]["pageInfo"]["endCursor"]
    scope, _, sort_name, product_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    forged = base64.urlsafe_b64encode(json.dumps([scope, -7, sort_name, product_id]).encode()).decode()

    errors = await api.errors(SEARCH, {"q": "jacket", "after": forged})

    assert errors[0]["extensions"]["code"] == "INVALID_CURSOR"
    assert errors[0]["message"] == "The cursor is malformed."


async def test_an_over_long_search_is_refused(api: Api) -> None:
    errors = await api.errors(SEARCH, {"q": "x" * 101})

    assert errors[0]["extensions"] == {"code": "SEARCH_TOO_LONG", "field": "search"}
    assert errors[0]["message"] == "A search is at most 100 characters."


async def test_sorting_by_relevance_needs_a_search(api: Api) -> None:
    errors = await api.errors("{ products(sortBy: {field: RELEVANCE}) { totalCount } }")

    assert errors[0]["extensions"]["code"] == "INVALID_SORT"


async def test_a_blank_search_lists_everything(api: Api, container: Container) -> None:
    await _catalogue(container)

    assert (await api.data(SEARCH, {"q": "   "}))["products"]["totalCount"] == 5


async def test_suggestions_complete_what_the_shopper_types(api: Api, container: Container) -> None:
    await _catalogue(container)

    data = await api.data('{ a: searchSuggestions(text: "jac", first: 2) b: searchSuggestions(text: "") }')

    assert data == {"a": ["Jacket", "Down Jacket"], "b": []}


async def test_attribute_values_are_searched(api: Api, container: Container) -> None:
    db = container.database
    material = await add_attribute(db, slug="material", kind="choice", choices=["merino", "cotton"])
    fit = await add_attribute(db, slug="fit", kind="text")
    sweater = await add_product(db, name="Crew Sweater")
    tee = await add_product(db, name="Crew Tee")
    await set_attribute(db, sweater, material[""], choice_id=material["merino"])
    await set_attribute(db, tee, material[""], choice_id=material["cotton"])
    await set_attribute(db, tee, fit[""], text="Relaxed boxy")

    assert await _names(api, "merino") == ["Crew Sweater"]
    assert await _names(api, "crew boxy") == ["Crew Tee"]
    assert await _names(api, "merion") == ["Crew Sweater"]  # a typo of an attribute value is corrected too


async def test_translated_names_are_searched(api: Api, container: Container) -> None:
    jacket = await add_product(container.database, name="Rain Jacket")
    await add_translation(container.database, jacket, "fr", name="Veste de pluie", description="Imperméable.")

    assert await _names(api, "veste") == ["Rain Jacket"]
    assert await _names(api, "impermeable") == ["Rain Jacket"]  # accents are folded on both sides
    assert await _names(api, "IMPERMÉABLE") == ["Rain Jacket"]


async def test_a_short_word_matches_whole_words_only(api: Api, container: Container) -> None:
    """A word under three letters as a prefix would match most of the catalogue; it must match a whole word."""
    db = container.database
    await add_product(db, name="Wool Scarf", variants_=[VariantSpec(sku="WS-2")])
    await add_product(db, name="Wood Tray")
    await add_product(db, name="Tee XL")
    await add_product(db, name="Tee XXL")

    assert await _names(api, "wo") == []
    assert await _names(api, "woo") == ["Wood Tray", "Wool Scarf"]
    assert await _names(api, "tee xl") == ["Tee XL"]
    assert await _names(api, "ws 2") == ["Wool Scarf"]


async def test_a_mistyped_first_letter_is_forgiven_on_postgresql(api: Api, container: Container, backend: str) -> None:
    """PostgreSQL proposes corrections by trigrams (any letter); SQLite only those sharing the first letter."""
    await _catalogue(container)

    found = await _names(api, "hacket")

    assert found == (["Down Jacket", "Jacket", "Rain Jacket Pro"] if backend == "production" else [])
