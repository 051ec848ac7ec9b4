"""Facets: how many products of a listing fall under each category, attribute value and price bucket."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from domain.catalog.model import CategoryTree

# Bucket edges in the channel's currency units; the last bucket is open-ended.
PRICE_EDGES = (Decimal(0), Decimal(25), Decimal(50), Decimal(100), Decimal(250))


@dataclass(frozen=True, slots=True)
class CategoryCount:
    category_id: int
    count: int  # products in the category or any of its subcategories


@dataclass(frozen=True, slots=True)
class ValueCount:
    attribute_id: int
    choice_id: int | None
    boolean: bool | None
    count: int


@dataclass(frozen=True, slots=True)
class PriceBucket:
    minimum: Decimal
    maximum: Decimal | None  # exclusive; None: no upper bound
    count: int


@dataclass(frozen=True, slots=True)
class RawFacets:
    """What the reader counts: products per direct category, per attribute value, per price bucket index."""

    by_category: Mapping[int, int]
    by_value: Sequence[ValueCount]
    by_bucket: Mapping[int, int]


@dataclass(frozen=True, slots=True)
class Facets:
    categories: tuple[CategoryCount, ...]
    values: tuple[ValueCount, ...]
    price_buckets: tuple[PriceBucket, ...]


def roll_up(raw: RawFacets, tree: CategoryTree, *, priced: bool) -> Facets:
    """Turn direct counts into subtree counts, and bucket indexes into ranges (none without a channel)."""
    totals: dict[int, int] = {}
    for category_id, count in raw.by_category.items():
        for member in [category_id, *(c.id for c in tree.ancestors(category_id))]:
            totals[member] = totals.get(member, 0) + count
    categories = tuple(CategoryCount(c.id, totals[c.id]) for c in tree if c.id in totals)
    buckets: tuple[PriceBucket, ...] = ()
    if priced:
        uppers: list[Decimal | None] = [*PRICE_EDGES[1:], None]
        buckets = tuple(
            PriceBucket(PRICE_EDGES[i], uppers[i], raw.by_bucket.get(i, 0)) for i in range(len(PRICE_EDGES))
        )
    return Facets(categories=categories, values=tuple(raw.by_value), price_buckets=buckets)
