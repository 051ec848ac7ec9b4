"""How clients ask for product listings (filters, sorting) and what a listing answers (facets)."""

from __future__ import annotations

from decimal import Decimal
from enum import Enum
from typing import Annotated

import strawberry

from domain.catalog import model
from domain.catalog.attributes import AttributeFilterInput as DomainAttributeFilter
from domain.catalog.attributes import NumberRange
from domain.catalog.search import MAX_SEARCH_LENGTH
from schema.relay import parse_id


@strawberry.input(description="From `gte` to `lte`, both included; either may be left open.")
class RangeInput:
    gte: Decimal | None = strawberry.field(default=None, description="At least this.")
    lte: Decimal | None = strawberry.field(default=None, description="At most this.")

    def to_domain(self) -> NumberRange:
        return NumberRange(minimum=self.gte, maximum=self.lte)


@strawberry.input(
    description="Products with an attribute: one of `values` (choices), in `range` (numbers), or `boolean`."
)
class AttributeFilterInput:
    slug: str = strawberry.field(description="The attribute's slug.")
    values: list[str] = strawberry.field(default_factory=list, description="Any of these choices' slugs.")
    range: RangeInput | None = strawberry.field(default=None, description="A number in this range.")
    boolean: bool | None = strawberry.field(default=None, description="This yes/no value.")

    def to_domain(self) -> DomainAttributeFilter:
        return DomainAttributeFilter(
            slug=self.slug,
            values=tuple(self.values),
            number_range=self.range.to_domain() if self.range else None,
            boolean=self.boolean,
        )


@strawberry.input(description="Narrow a product listing; every filter given must hold.")
class ProductFilter:
    category_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only products in this category or its subcategories."
    )
    collection_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only products of this collection."
    )
    in_stock: bool | None = strawberry.field(
        default=None, description="Only products with (true) or without (false) a variant that can be bought now."
    )
    attributes: list[AttributeFilterInput] = strawberry.field(
        default_factory=list, description="Only products with these attribute values."
    )
    channel: str | None = strawberry.field(
        default=None, description="The channel `price` and the price sort look at; products it does not sell drop out."
    )
    price: RangeInput | None = strawberry.field(
        default=None, description="The lowest entered price (before promotions) in `channel`, in its currency."
    )


@strawberry.enum(description="What to sort products by.")
class ProductSortField(Enum):
    DEFAULT = model.ProductSortField.DEFAULT
    NAME = model.ProductSortField.NAME
    CREATED_AT = model.ProductSortField.CREATED_AT
    RELEVANCE = model.ProductSortField.RELEVANCE
    PRICE = model.ProductSortField.PRICE
    POSITION = model.ProductSortField.POSITION


@strawberry.enum(description="Which way to sort.")
class SortDirection(Enum):
    ASC = "asc"
    DESC = "desc"


@strawberry.input(description="The order of a product listing; ties are broken by ID in the same direction.")
class ProductSortInput:
    field: ProductSortField = strawberry.field(
        description="What to sort by (PRICE needs a channel; POSITION, a hand-picked collection's own order, is the"
        " default there)."
    )
    direction: SortDirection = strawberry.field(default=SortDirection.ASC, description="Which way to sort.")

    def to_domain(self) -> model.ProductSort:
        return model.ProductSort(field=self.field.value, descending=self.direction is SortDirection.DESC)


SortBy = Annotated[ProductSortInput | None, strawberry.argument(description="The order; by relevance when searching.")]
Search = Annotated[
    str | None,
    strawberry.argument(description=f"Words in names, descriptions or SKUs (at most {MAX_SEARCH_LENGTH} characters)."),
]


def to_criteria(
    filter: ProductFilter | None,
    *,
    search: str | None = None,
    sort_by: ProductSortInput | None = None,
    category_id: int | None = None,
    collection_id: int | None = None,
) -> model.ProductCriteria:
    """Map listing arguments onto the domain's criteria (a category's or collection's own id wins)."""
    given = filter or ProductFilter()
    return model.ProductCriteria(
        category_id=category_id or (parse_id(given.category_id, "Category") if given.category_id else None),
        collection_id=collection_id or (parse_id(given.collection_id, "Collection") if given.collection_id else None),
        in_stock=given.in_stock,
        search=search,
        attributes=tuple(a.to_domain() for a in given.attributes),
        channel=given.channel,
        price_range=given.price.to_domain() if given.price else None,
        sort=sort_by.to_domain() if sort_by else None,
    )
