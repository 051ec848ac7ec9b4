"""Attributes: typed product properties, and their values on a product."""

from __future__ import annotations

from decimal import Decimal
from enum import Enum

import strawberry

from domain.catalog import attributes as domain


@strawberry.enum(description="What kind of value an attribute holds.")
class AttributeKind(Enum):
    TEXT = "text"
    NUMBER = "number"
    BOOLEAN = "boolean"
    CHOICE = "choice"


@strawberry.type(description="One of the values a choice attribute offers.")
class AttributeChoice:
    slug: str = strawberry.field(description="The choice's handle, used in filters.")
    name: str = strawberry.field(description="The choice's name.")


@strawberry.type(description="A product property shoppers filter by.")
class Attribute:
    slug: str = strawberry.field(description="The attribute's handle, used in filters.")
    name: str = strawberry.field(description="The attribute's name.")
    kind: AttributeKind = strawberry.field(description="What kind of value it holds.")
    unit: str | None = strawberry.field(description="The unit of a number attribute, e.g. `kg`.")
    choices: list[AttributeChoice] = strawberry.field(description="The values a choice attribute offers.")

    @classmethod
    def from_domain(cls, attribute: domain.Attribute) -> Attribute:
        return cls(
            slug=attribute.slug,
            name=attribute.name,
            kind=AttributeKind(attribute.kind.value),
            unit=attribute.unit,
            choices=[AttributeChoice(slug=c.slug, name=c.name) for c in attribute.choices],
        )


@strawberry.type(description="An attribute of a product, with its value(s).")
class ProductAttribute:
    attribute: Attribute = strawberry.field(description="The attribute.")
    choices: list[AttributeChoice] = strawberry.field(description="The chosen values, for a choice attribute.")
    number: Decimal | None = strawberry.field(description="The value of a number attribute.")
    boolean: bool | None = strawberry.field(description="The value of a yes/no attribute.")
    text: str | None = strawberry.field(description="The value of a text attribute.")

    @classmethod
    def from_domain(cls, attribute: domain.Attribute, values: list[domain.AttributeValue]) -> ProductAttribute:
        chosen = {v.choice_id for v in values}
        first = values[0]
        return cls(
            attribute=Attribute.from_domain(attribute),
            choices=[AttributeChoice(slug=c.slug, name=c.name) for c in attribute.choices if c.id in chosen],
            number=first.number,
            boolean=first.boolean,
            text=first.text,
        )
