"""Which promotions combine: the best exclusive one, or every stackable one together, whichever saves more.

Input order never matters. Promotions are first put in canonical order (priority, highest first, then id), and
the candidates are: each exclusive promotion alone, and all stackable ones applied one after another in canonical
order. The candidate that takes the most off wins; on a tie, the one whose first promotion comes first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol, TypeVar

from domain.pricing.errors import DuplicatePromotion
from domain.shared.money import Money


class Ranked(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def priority(self) -> int: ...

    @property
    def stackable(self) -> bool: ...


P = TypeVar("P", bound=Ranked)
R = TypeVar("R")


def canonical(promotions: Iterable[P]) -> tuple[P, ...]:
    """Return the promotions by priority (highest first), then id; refuse two with one id."""
    ordered = tuple(sorted(promotions, key=lambda p: (-p.priority, p.id)))
    ids = [p.id for p in ordered]
    if len(set(ids)) != len(ids):
        raise DuplicatePromotion("Two promotions share an id.", field="id")
    return ordered


def candidate_sets(promotions: Iterable[P]) -> tuple[tuple[P, ...], ...]:
    """Return each exclusive promotion alone and all stackable ones together, ordered by their first promotion."""
    ordered = canonical(promotions)
    stackable = tuple(p for p in ordered if p.stackable)
    sets: list[tuple[P, ...]] = [(p,) for p in ordered if not p.stackable]
    if stackable:
        sets.append(stackable)
    position = {p.id: i for i, p in enumerate(ordered)}
    return tuple(sorted(sets, key=lambda s: position[s[0].id]))


def pick_best(promotions: Iterable[P], *, evaluate: Callable[[tuple[P, ...]], tuple[Money, R]], nothing: R) -> R:
    """Evaluate every candidate set and return the result of the one that takes the most off."""
    best: tuple[Money, R] | None = None
    for candidate in candidate_sets(promotions):
        saved, result = evaluate(candidate)
        if saved.amount > 0 and (best is None or best[0] < saved):
            best = (saved, result)
    return nothing if best is None else best[1]
