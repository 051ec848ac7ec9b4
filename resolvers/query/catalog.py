"""Catalog queries for storefronts and the dashboard."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import strawberry

from domain.catalog import model
from domain.catalog.errors import CategoryNotFound, ProductNotFound
from domain.catalog.search import MAX_SEARCH_LENGTH
from domain.shared.pagination import DEFAULT_PAGE_SIZE
from schema.context import Info
from schema.relay import AFTER_DESCRIPTION, FIRST_DESCRIPTION, Connection, page_request, parse_id, to_connection
from schema.types.catalog import Category, Product

First = Annotated[int, strawberry.argument(description=FIRST_DESCRIPTION)]
After = Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)]


@strawberry.input(description="Narrow a product listing.")
class ProductFilter:
    category_id: strawberry.ID | None = strawberry.field(
        default=None, description="Only products in this category or its subcategories."
    )
    in_stock: bool | None = strawberry.field(
        default=None, description="Only products with (true) or without (false) a variant that can be bought now."
    )


@strawberry.enum(description="What to sort products by.")
class ProductSortField(Enum):
    DEFAULT = model.ProductSortField.DEFAULT
    NAME = model.ProductSortField.NAME
    CREATED_AT = model.ProductSortField.CREATED_AT
    RELEVANCE = model.ProductSortField.RELEVANCE


@strawberry.enum(description="Which way to sort.")
class SortDirection(Enum):
    ASC = "asc"
    DESC = "desc"


@strawberry.input(description="The order of a product listing; ties are broken by ID in the same direction.")
class ProductSortInput:
    field: ProductSortField = strawberry.field(description="What to sort by.")
    direction: SortDirection = strawberry.field(default=SortDirection.ASC, description="Which way to sort.")

    def to_domain(self) -> model.ProductSort:
        return model.ProductSort(field=self.field.value, descending=self.direction is SortDirection.DESC)


SortBy = Annotated[ProductSortInput | None, strawberry.argument(description="The order; by relevance when searching.")]
Search = Annotated[
    str | None,
    strawberry.argument(description=f"Words in names, descriptions or SKUs (at most {MAX_SEARCH_LENGTH} characters)."),
]


@strawberry.type
class CatalogQuery:
    @strawberry.field(description="Products the caller may see: searched, filtered and sorted.")
    async def products(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: ProductFilter | None = None,
        sort_by: SortBy = None,
        search: Search = None,
    ) -> Connection[Product]:
        filter = filter or ProductFilter()
        page = await info.context.catalog.browse_products(
            info.context.actor,
            category_id=parse_id(filter.category_id, "Category") if filter.category_id else None,
            in_stock=filter.in_stock,
            search=search,
            sort=sort_by.to_domain() if sort_by else None,
            page=page_request(first, after),
        )
        return to_connection(page, Product.from_domain)

    @strawberry.field(description="Names of the products that best match what the shopper has typed so far.")
    async def search_suggestions(
        self, info: Info, text: str, first: Annotated[int, strawberry.argument(description="At most 20.")] = 8
    ) -> list[str]:
        return await info.context.catalog.suggest(info.context.actor, text=text, limit=min(max(first, 0), 20))

    @strawberry.field(description="One product by ID or slug; null when it does not exist or is not visible.")
    async def product(
        self,
        info: Info,
        id: strawberry.ID | None = None,
        slug: str | None = None,
        language_code: Annotated[
            str | None, strawberry.argument(description="Also find the slug among this language's translated slugs.")
        ] = None,
    ) -> Product | None:
        product_id = parse_id(id, "Product") if id is not None else None
        try:
            found = await info.context.catalog.get_product(
                info.context.actor, product_id=product_id, slug=slug, language_code=language_code
            )
        except ProductNotFound:
            return None
        return Product.from_domain(found)

    @strawberry.field(description="Top-level categories, in display order.")
    async def categories(
        self, info: Info, first: First = DEFAULT_PAGE_SIZE, after: After = None
    ) -> Connection[Category]:
        page = await info.context.catalog.browse_categories(parent_id=None, page=page_request(first, after))
        return to_connection(page, Category.from_domain)

    @strawberry.field(description="One category by ID or slug; null when it does not exist.")
    async def category(self, info: Info, id: strawberry.ID | None = None, slug: str | None = None) -> Category | None:
        category_id = parse_id(id, "Category") if id is not None else None
        try:
            found = await info.context.catalog.get_category(category_id=category_id, slug=slug)
        except CategoryNotFound:
            return None
        return Category.from_domain(found)
