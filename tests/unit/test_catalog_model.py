"""Catalog rules: names, slugs, editing a product, and a product's price range."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.catalog.errors import InvalidLanguageCode, InvalidProductName, InvalidSlug
from domain.catalog.model import (
    MAX_NAME_LENGTH,
    MAX_SLUG_LENGTH,
    SEO_DESCRIPTION_LENGTH,
    localize,
    validate_language_code,
    validate_name,
    validate_slug,
)
from tests.fakes import EARLIER, NOW, make_product

slug_words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=12)


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("Linen shirt", "Linen shirt"),
        ("  Linen shirt \n", "Linen shirt"),
        ("Ä", "Ä"),
        ("x" * MAX_NAME_LENGTH, "x" * 250),
    ],
)
def test_validate_name_returns_the_trimmed_name(raw: str, cleaned: str) -> None:
    assert validate_name(raw) == cleaned


def test_validate_name_counts_length_after_trimming() -> None:
    assert validate_name("  " + "x" * MAX_NAME_LENGTH + "  ") == "x" * MAX_NAME_LENGTH


@pytest.mark.parametrize("name", ["", " ", "\t\n", "x" * (MAX_NAME_LENGTH + 1)])
def test_validate_name_refuses_an_empty_or_over_long_name(name: str) -> None:
    with pytest.raises(InvalidProductName) as raised:
        validate_name(name)

    assert raised.value.field == "name"
    assert raised.value.code == "INVALID_NAME"


@pytest.mark.parametrize(
    "slug", ["a", "7", "shirt", "linen-shirt", "linen-shirt-2", "2026-a-b-c", "a" * MAX_SLUG_LENGTH]
)
def test_validate_slug_accepts_lowercase_words_joined_by_hyphens(slug: str) -> None:
    assert validate_slug(slug) == slug


@pytest.mark.parametrize(
    "slug",
    [
        "",
        "-",
        "-shirt",
        "shirt-",
        "linen--shirt",
        "Linen-shirt",
        "linen_shirt",
        "linen shirt",
        " shirt",
        "shirt ",
        "linen.shirt",
        "chemise-à-lin",
        "a" * (MAX_SLUG_LENGTH + 1),
        "\nshirt",
        "shirt\r",
        "shirt\nhat",
    ],
)
def test_validate_slug_refuses_anything_else(slug: str) -> None:
    with pytest.raises(InvalidSlug) as raised:
        validate_slug(slug)

    assert raised.value.field == "slug"
    assert raised.value.code == "INVALID_SLUG"


def test_validate_slug_refuses_a_trailing_newline() -> None:
    with pytest.raises(InvalidSlug):
        validate_slug("shirt\n")


@given(st.lists(slug_words, min_size=1, max_size=8))
def test_any_words_joined_by_single_hyphens_make_a_slug(words: list[str]) -> None:
    slug = "-".join(words)

    assert validate_slug(slug) == slug


# "\n" is left out of the alphabet: see test_validate_slug_refuses_a_trailing_newline.
@given(st.text(alphabet=st.characters(exclude_characters="\n"), max_size=30))
def test_validate_slug_accepts_only_the_slug_grammar(text: str) -> None:
    grammar = re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", text) is not None
    try:
        validate_slug(text)
    except InvalidSlug:
        assert not grammar
    else:
        assert grammar


def test_edit_changes_only_the_given_fields_and_stamps_the_time() -> None:
    # given a product
    product = make_product(1, name="Shirt", slug="shirt", description="Old.", category_id=3)

    # when only its name is edited
    edited = product.edit(name="  Linen shirt ", slug=None, description=None, at=NOW)

    # then the name is trimmed, the rest is kept, and only updated_at moves
    assert edited.name == "Linen shirt"
    assert edited.slug == "shirt"
    assert edited.description == "Old."
    assert edited.category_id == 3
    assert edited.is_published is True
    assert edited.created_at == EARLIER
    assert edited.updated_at == NOW
    assert product.name == "Shirt"


def test_edit_can_change_every_text_field() -> None:
    product = make_product(1, name="Shirt", slug="shirt", description="Old.")

    edited = product.edit(name="Hat", slug="straw-hat", description="  New.\n", at=NOW + timedelta(hours=1))

    assert (edited.name, edited.slug, edited.description) == ("Hat", "straw-hat", "New.")
    assert edited.updated_at == NOW + timedelta(hours=1)


def test_edit_can_empty_the_description() -> None:
    edited = make_product(1, description="Old.").edit(name=None, slug=None, description="   ", at=NOW)

    assert edited.description == ""


def test_edit_refuses_an_invalid_name() -> None:
    with pytest.raises(InvalidProductName):
        make_product(1).edit(name="   ", slug=None, description=None, at=NOW)


def test_edit_refuses_an_invalid_slug() -> None:
    with pytest.raises(InvalidSlug):
        make_product(1).edit(name=None, slug="Linen Shirt", description=None, at=NOW)


def test_a_scheduled_product_is_visible_from_its_publication_date() -> None:
    product = make_product(1, is_published=True)
    scheduled = replace(product, published_at=NOW)

    assert scheduled.is_visible_at(NOW) is True
    assert scheduled.is_visible_at(NOW - timedelta(seconds=1)) is False
    assert replace(product, is_published=False).is_visible_at(NOW) is False


def test_a_long_description_makes_a_short_seo_description_cut_at_a_word() -> None:
    product = replace(make_product(1), description="word " * 100)

    seo = product.seo()

    assert len(seo.description) <= SEO_DESCRIPTION_LENGTH
    assert seo.description.endswith("word…")


def test_localize_without_a_translation_is_the_default_language() -> None:
    product = make_product(1, name="Jacket")

    text = localize(product, None, language_code="fr")

    assert (text.language_code, text.name, text.slug) == ("fr", "Jacket", product.slug)


@pytest.mark.parametrize("code", ["fr", "pt-BR", "gsw"])
def test_language_codes_such_as_these_are_accepted(code: str) -> None:
    assert validate_language_code(code) == code


@pytest.mark.parametrize("code", ["", "FR", "fr_FR", "fr-br", "french", "fr-BR-x"])
def test_other_language_codes_are_refused(code: str) -> None:
    with pytest.raises(InvalidLanguageCode):
        validate_language_code(code)
