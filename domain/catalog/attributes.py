"""Typed product attributes (text, number, boolean, choice) and the filters shoppers build from them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from domain.catalog.errors import CatalogError
from domain.shared.errors import InvalidInput

MAX_ATTRIBUTE_FILTERS = 20
MAX_VALUES_PER_FILTER = 50


class UnknownAttribute(InvalidInput, CatalogError):
    code = "UNKNOWN_ATTRIBUTE"


class InvalidAttributeFilter(InvalidInput, CatalogError):
    code = "INVALID_ATTRIBUTE_FILTER"


class InvalidRange(InvalidInput, CatalogError):
    code = "INVALID_RANGE"


class AttributeKind(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    BOOLEAN = "boolean"
    CHOICE = "choice"


@dataclass(frozen=True, slots=True)
class AttributeChoice:
    id: int
    slug: str
    name: str


@dataclass(frozen=True, slots=True)
class Attribute:
    id: int
    slug: str
    name: str
    kind: AttributeKind
    unit: str | None
    choices: tuple[AttributeChoice, ...] = ()

    def choice(self, slug: str) -> AttributeChoice | None:
        return next((c for c in self.choices if c.slug == slug), None)


@dataclass(frozen=True, slots=True)
class AttributeValue:
    """One value of an attribute on a product, as shown on its page."""

    attribute_id: int
    choice_id: int | None = None
    number: Decimal | None = None
    boolean: bool | None = None
    text: str | None = None


@dataclass(frozen=True, slots=True)
class NumberRange:
    """From `minimum` to `maximum`, both inclusive; either may be open."""

    minimum: Decimal | None = None
    maximum: Decimal | None = None

    def __post_init__(self) -> None:
        for bound in (self.minimum, self.maximum):
            if bound is not None and not bound.is_finite():
                raise InvalidRange("A range's bounds are numbers.", field="range")
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise InvalidRange("A range's minimum is above its maximum.", field="range")

    def contains(self, value: Decimal) -> bool:
        return (self.minimum is None or value >= self.minimum) and (self.maximum is None or value <= self.maximum)


@dataclass(frozen=True, slots=True)
class AttributeFilter:
    """Products whose attribute has one of `choice_ids`, a number in `number_range`, or the boolean `boolean`."""

    attribute_id: int
    choice_ids: frozenset[int] = frozenset()
    number_range: NumberRange | None = None
    boolean: bool | None = None


@dataclass(frozen=True, slots=True)
class AttributeFilterInput:
    """What a shopper asked for, by slugs, before it is checked against the attributes that exist."""

    slug: str
    values: tuple[str, ...] = ()
    number_range: NumberRange | None = None
    boolean: bool | None = None


def resolve_filters(
    requested: Iterable[AttributeFilterInput], attributes: Mapping[str, Attribute]
) -> tuple[AttributeFilter, ...]:
    """Turn filters by slug into filters by id, refusing unknown attributes, values and mismatched kinds."""
    resolved: list[AttributeFilter] = []
    asked = list(requested)
    if len(asked) > MAX_ATTRIBUTE_FILTERS:
        raise InvalidAttributeFilter(f"Filter by at most {MAX_ATTRIBUTE_FILTERS} attributes.", field="attributes")
    for item in asked:
        attribute = attributes.get(item.slug)
        if attribute is None:
            raise UnknownAttribute(f"There is no attribute {item.slug!r}.", field="attributes")
        resolved.append(_resolve(item, attribute))
    return tuple(resolved)


def _resolve(item: AttributeFilterInput, attribute: Attribute) -> AttributeFilter:
    given = [bool(item.values), item.number_range is not None, item.boolean is not None]
    if sum(given) != 1:
        raise InvalidAttributeFilter(
            f"Filter {item.slug!r} by exactly one of values, range or boolean.", field="attributes"
        )
    if item.values:
        if attribute.kind is not AttributeKind.CHOICE:
            raise InvalidAttributeFilter(f"{item.slug!r} has no values to choose from.", field="attributes")
        if len(item.values) > MAX_VALUES_PER_FILTER:
            raise InvalidAttributeFilter(f"Choose at most {MAX_VALUES_PER_FILTER} values.", field="attributes")
        choices = [attribute.choice(slug) for slug in item.values]
        unknown = [slug for slug, choice in zip(item.values, choices, strict=True) if choice is None]
        if unknown:
            raise UnknownAttribute(f"{item.slug!r} has no value {unknown[0]!r}.", field="attributes")
        return AttributeFilter(attribute.id, choice_ids=frozenset(c.id for c in choices if c is not None))
    if item.number_range is not None:
        if attribute.kind is not AttributeKind.NUMBER:
            raise InvalidAttributeFilter(f"{item.slug!r} is not a number.", field="attributes")
        return AttributeFilter(attribute.id, number_range=item.number_range)
    if attribute.kind is not AttributeKind.BOOLEAN:
        raise InvalidAttributeFilter(f"{item.slug!r} is not a yes/no attribute.", field="attributes")
    return AttributeFilter(attribute.id, boolean=item.boolean)
