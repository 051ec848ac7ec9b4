"""Scheduled publication, SEO fields with fallbacks, and translations with fallbacks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.bootstrap import Container
from tests.factories import add_product, add_translation
from tests.support import Api

LISTING = "{ products(first: 10) { totalCount nodes { name } } }"


async def test_a_product_scheduled_for_later_is_hidden_until_then(api: Api, container: Container) -> None:
    now = datetime.now(UTC)
    await add_product(container.database, name="Launched", slug="launched", published_at=now - timedelta(minutes=1))
    await add_product(container.database, name="Upcoming", slug="upcoming", published_at=now + timedelta(days=1))

    shopper = await api.data(LISTING)
    staff = await api.data(LISTING, staff=True)
    by_slug = await api.data('{ product(slug: "upcoming") { name } }')

    assert shopper["products"] == {"totalCount": 1, "nodes": [{"name": "Launched"}]}
    assert staff["products"]["totalCount"] == 2
    assert by_slug == {"product": None}


async def test_seo_falls_back_to_the_name_and_the_start_of_the_description(api: Api, container: Container) -> None:
    await add_product(container.database, name="Tote", slug="tote")
    await add_product(container.database, name="Bag", slug="bag", seo_title="Buy the Bag", seo_description="Roomy.")

    data = await api.data(
        '{ tote: product(slug: "tote") { seo { title description } } '
        'bag: product(slug: "bag") { seo { title description } } }'
    )

    assert data == {
        "tote": {"seo": {"title": "Tote", "description": "About Tote."}},
        "bag": {"seo": {"title": "Buy the Bag", "description": "Roomy."}},
    }


async def test_a_translation_replaces_the_fields_it_has_and_falls_back_for_the_rest(
    api: Api, container: Container
) -> None:
    product_id = await add_product(container.database, name="Rain Jacket", slug="rain-jacket")
    await add_translation(container.database, product_id, "fr", name="Veste de pluie", slug="veste-de-pluie")

    data = await api.data(
        """{ product(slug: "rain-jacket") {
            fr: translation(languageCode: "fr") { languageCode name slug description seo { title } }
            de: translation(languageCode: "de") { name slug }
        } }"""
    )

    assert data["product"]["fr"] == {
        "languageCode": "fr",
        "name": "Veste de pluie",
        "slug": "veste-de-pluie",
        "description": "About Rain Jacket.",
        "seo": {"title": "Veste de pluie"},
    }
    assert data["product"]["de"] == {"name": "Rain Jacket", "slug": "rain-jacket"}


async def test_a_translated_slug_finds_its_product_in_that_language(api: Api, container: Container) -> None:
    product_id = await add_product(container.database, name="Rain Jacket", slug="rain-jacket")
    await add_translation(container.database, product_id, "fr", slug="veste-de-pluie")

    found = await api.data('{ product(slug: "veste-de-pluie", languageCode: "fr") { name } }')
    default = await api.data('{ product(slug: "rain-jacket", languageCode: "fr") { name } }')
    other = await api.data('{ product(slug: "veste-de-pluie", languageCode: "de") { name } }')

    assert found == {"product": {"name": "Rain Jacket"}}
    assert default == {"product": {"name": "Rain Jacket"}}
    assert other == {"product": None}


async def test_a_malformed_language_code_gets_a_stable_code(api: Api, container: Container) -> None:
    await add_product(container.database, slug="tote")

    errors = await api.errors('{ product(slug: "tote") { translation(languageCode: "french!") { name } } }')

    assert errors[0]["extensions"] == {"code": "INVALID_LANGUAGE_CODE", "field": "languageCode"}
