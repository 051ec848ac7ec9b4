"""Search rules: how a shopper's words become a query, how typos are forgiven, how results rank.

Matching is done by the database's full-text index (PostgreSQL `tsvector`, SQLite FTS5); these rules decide what
is asked of it, identically for both:
- the text is split into at most `MAX_TERMS` words, lowercase and without accents ("Crème" is "creme"); every
  word must match (AND), as a prefix when it has at least `MIN_PREFIX_LENGTH` letters, so the search box can
  search as the shopper types ("jack" finds "jacket"); a shorter word must match a whole word ("xl", "2"), since
  as a prefix it would match most of the catalogue and every match would have to be ranked;
- a word the catalogue's vocabulary does not know is also looked for as the known words within one edit (two for
  words over seven letters), counting a swap of neighbours as one: "jaket" finds "jacket", "scraf" finds "scarf";
- results rank in tiers: the exact name first, then names starting with the text, then names in which every word
  of the search begins a word ("shirt" in "T-Shirt", not "oat" in "Coat"), then anything else that matched
  (description, SKU, a typo's correction); within a tier, by name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from domain.catalog.errors import CatalogError
from domain.shared.errors import InvalidInput

MAX_SEARCH_LENGTH = 100
MAX_TERMS = 8
MIN_FUZZY_LENGTH = 4
MIN_PREFIX_LENGTH = 3
MAX_CORRECTIONS = 3
_WORD = re.compile(r"\w+", re.UNICODE)


class SearchTooLong(InvalidInput, CatalogError):
    code = "SEARCH_TOO_LONG"


@dataclass(frozen=True, slots=True)
class SearchTerm:
    """One word of the search, with the known words it may also stand for."""

    word: str
    alternatives: tuple[str, ...] = ()

    @property
    def forms(self) -> tuple[str, ...]:
        return (self.word, *self.alternatives)

    @property
    def prefix(self) -> bool:
        """Whether the word also finds longer words that start with it (see the module's rules)."""
        return len(self.word) >= MIN_PREFIX_LENGTH


@dataclass(frozen=True, slots=True)
class SearchQuery:
    text: str
    terms: tuple[SearchTerm, ...]


def fold(text: str) -> str:
    """Return a text lowercase and without accents ("Crème" → "creme"): shoppers often type without them."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """Return every word of a text, folded, in order: what both databases' indexes are given to split."""
    return _WORD.findall(fold(text))


def name_words(name: str) -> set[str]:
    """Return the words of a product name that the searched words are compared with (relevance tier 1), each cut
    to `MAX_SEARCH_LENGTH`: the database keeps them so (`data.catalog_search`), and a search is no longer."""
    return {word[:MAX_SEARCH_LENGTH] for word in words(name)}


def tier_words(text: str) -> list[str]:
    """Return the search's words as relevance tier 1 compares them with `name_words`: cut alike."""
    return [word[:MAX_SEARCH_LENGTH] for word in tokenize(text)]


def tokenize(text: str) -> list[str]:
    """Return the search's words: folded, de-duplicated, in order, at most `MAX_TERMS`."""
    found: list[str] = []
    for word in words(text):
        if word not in found:
            found.append(word)
    return found[:MAX_TERMS]


def clean_search(text: str | None) -> str | None:
    """Return the trimmed search text, `None` when there is nothing to search, or refuse an over-long one."""
    if text is None:
        return None
    if len(text) > MAX_SEARCH_LENGTH:
        raise SearchTooLong(f"A search is at most {MAX_SEARCH_LENGTH} characters.", field="search")
    cleaned = " ".join(text.split())
    return cleaned if tokenize(cleaned) else None


def needs_correction(word: str) -> bool:
    """Tell whether a word is long enough for typo tolerance (short words give too many false friends)."""
    return len(word) >= MIN_FUZZY_LENGTH and not word.isdigit()


def allowed_typos(word: str) -> int:
    """Return how many edits a word may be from what was meant: one up to seven letters, two beyond."""
    return 1 if len(word) <= 7 else 2


def edit_distance(a: str, b: str, *, limit: int) -> int:
    """Return the edits (insert, delete, substitute, swap neighbours) between two words, capped at `limit + 1`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return min(previous[-1], limit + 1)


def closest_words(word: str, vocabulary: Iterable[str]) -> tuple[str, ...]:
    """Return the known words a mistyped word most likely meant (none when the word itself is known)."""
    known = list(vocabulary)
    if word in known:
        return ()
    limit = allowed_typos(word)
    scored = sorted((edit_distance(word, k, limit=limit), k) for k in known)
    return tuple(k for distance, k in scored if distance <= limit)[:MAX_CORRECTIONS]


RELEVANCE_TIERS: tuple[int, ...] = (3, 2, 1, 0)  # best first: what `relevance_tier` returns


def relevance_tier(*, name: str, text: str) -> int:
    """Return how well a product name answers the search (3 best); the database computes the same."""
    name_form, text_form = name.casefold(), text.casefold()
    if name_form == text_form:
        return 3
    if name_form.startswith(text_form):
        return 2
    known = name_words(name)
    if all(any(k.startswith(word) for k in known) for word in tier_words(text)):
        return 1
    return 0
