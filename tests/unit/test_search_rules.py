"""Search rules: words, typo distance, corrections, relevance tiers, limits."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.catalog.search import (
    MAX_TERMS,
    SearchTerm,
    SearchTooLong,
    clean_search,
    closest_words,
    edit_distance,
    fold,
    relevance_tier,
    tokenize,
)


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("jacket", "jacket", 0),
        ("jaket", "jacket", 1),  # a missing letter
        ("jackett", "jacket", 1),  # an extra letter
        ("jecket", "jacket", 1),  # a wrong letter
        ("scraf", "scarf", 1),  # two neighbours swapped
        ("jkcaet", "jacket", 2),  # capped at limit + 1
    ],
)
def test_edit_distance_counts_one_edit_per_typo(a: str, b: str, distance: int) -> None:
    assert edit_distance(a, b, limit=1) == min(distance, 2)


@given(st.text(max_size=8), st.text(max_size=8))
def test_edit_distance_is_symmetric_and_zero_only_for_equal_words(a: str, b: str) -> None:
    assert edit_distance(a, b, limit=3) == edit_distance(b, a, limit=3)
    assert (edit_distance(a, b, limit=3) == 0) is (a == b)


def test_a_known_word_is_not_corrected() -> None:
    assert closest_words("jacket", ["jacket", "packet"]) == ()


def test_an_unknown_word_gets_its_nearest_known_words_best_first() -> None:
    assert closest_words("jaket", ["jacket", "jackets", "junket", "basket"]) == ("jacket",)
    assert closest_words("bootss", ["boots", "boot"]) == ("boots",)


def test_long_words_may_have_two_typos() -> None:
    assert closest_words("sweaetr", ["sweater"]) == ("sweater",)
    assert closest_words("cardgian", ["cardigan"]) == ("cardigan",)
    assert closest_words("crdgian", ["cardigan"]) == ()  # seven letters allow one edit; this is two


def test_words_are_lowercase_unique_and_capped() -> None:
    assert tokenize("Rain JACKET rain-proof") == ["rain", "jacket", "proof"]
    assert len(tokenize(" ".join(f"w{n}" for n in range(20)))) == MAX_TERMS


def test_a_search_is_trimmed_and_a_blank_one_is_none() -> None:
    assert clean_search("  rain   jacket ") == "rain jacket"
    assert clean_search(" -- ") is None
    assert clean_search(None) is None


def test_an_over_long_search_is_refused() -> None:
    with pytest.raises(SearchTooLong) as raised:
        clean_search("x" * 101)

    assert raised.value.code == "SEARCH_TOO_LONG"
    assert raised.value.field == "search"


@pytest.mark.parametrize(
    ("name", "text", "tier"),
    [
        ("Jacket", "jacket", 3),
        ("Jacket Pro", "jacket", 2),
        ("Rain Jacket", "jacket", 1),
        ("Rain Jacket", "jacket rain", 1),
        ("Rain Jacket", "jack ra", 1),  # every word begins a word of the name
        ("T-Shirt", "shirt", 1),
        ("Crème Brûlée", "brulee creme", 1),  # as folded words
        ("Raincoat", "jacket", 0),
        ("Raincoat", "coat", 0),  # inside a word: not a word of the name
        ("Rain Jacket", "jacket hood", 0),
    ],
)
def test_relevance_tiers(name: str, text: str, tier: int) -> None:
    assert relevance_tier(name=name, text=text) == tier


@pytest.mark.parametrize(
    ("text", "folded"),
    [("Crème Brûlée", "creme brulee"), ("Straße", "strasse"), ("ﬁne", "fine"), ("naïve", "naive")],
)
def test_folding_drops_case_and_accents(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_tokens_are_folded() -> None:
    assert tokenize("Crème crème CREME") == ["creme"]


@pytest.mark.parametrize(("word", "prefix"), [("x", False), ("xl", False), ("jac", True), ("jacket", True)])
def test_only_words_of_three_letters_or_more_match_as_prefixes(word: str, prefix: bool) -> None:
    assert SearchTerm(word).prefix is prefix
