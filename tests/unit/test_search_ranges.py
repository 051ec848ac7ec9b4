"""The text ranges that stand for "starts with" in the relevance tiers' SQL (`data.catalog_search`)."""

from __future__ import annotations

import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from data.catalog_search import after_every_extension


@pytest.mark.parametrize(
    ("prefix", "end"),
    [
        ("wool", "woom"),
        ("a", "b"),
        ("z", "{"),
        ("é", "ê"),
        ("\ud7ff", "\ue000"),  # the surrogates are not characters: the next one is U+E000
        (f"ab{chr(sys.maxunicode)}", "ac"),  # nothing follows the last code point: the one before it moves on
    ],
)
def test_the_end_of_a_prefix_range(prefix: str, end: str) -> None:
    assert after_every_extension(prefix) == end


def test_a_prefix_of_only_the_last_code_point_has_no_end() -> None:
    with pytest.raises(ValueError, match="no text after"):
        after_every_extension(chr(sys.maxunicode))


# Code-point order is what PostgreSQL's "C" collation and SQLite's byte order compare (UTF-8 keeps it).
texts = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=6)


@given(prefix=texts.filter(lambda p: p.strip(chr(sys.maxunicode)) != ""), text=texts)
def test_the_range_holds_exactly_the_texts_starting_with_the_prefix(prefix: str, text: str) -> None:
    inside = prefix <= text < after_every_extension(prefix)

    assert inside == text.startswith(prefix)
    assert prefix <= prefix + text < after_every_extension(prefix)
