"""Catalog queries for storefronts and the dashboard."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.catalog.collections import CollectionNotFound
from domain.catalog.errors import CategoryNotFound, ProductNotFound
from domain.shared.pagination import DEFAULT_PAGE_SIZE
from schema.context import Info
from schema.relay import AFTER_DESCRIPTION, FIRST_DESCRIPTION, Connection, page_request, parse_id, to_connection
from schema.types.attributes import Attribute
from schema.types.catalog import Category, Product
from schema.types.collections import Collection
from schema.types.listing import ProductFilter, Search, SortBy, to_criteria
from schema.types.product_listing import ProductConnection, page_relations, product_connection

First = Annotated[int, strawberry.argument(description=FIRST_DESCRIPTION)]
After = Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)]


@strawberry.type
class CatalogQuery:
    @strawberry.field(description="Products the caller may see: searched, filtered and sorted, with facets.")
    async def products(
        self,
        info: Info,
        first: First = DEFAULT_PAGE_SIZE,
        after: After = None,
        filter: ProductFilter | None = None,
        sort_by: SortBy = None,
        search: Search = None,
    ) -> ProductConnection:
        criteria = to_criteria(filter, search=search, sort_by=sort_by)
        page = await info.context.catalog.browse_products(
            info.context.actor, criteria, page=page_request(first, after, info), relations=page_relations(info)
        )
        return await product_connection(info, page, criteria)

    @strawberry.field(description="Every attribute shoppers can filter by (a short, configured list).")
    async def attributes(self, info: Info) -> list[Attribute]:
        return [Attribute.from_domain(a) for a in await info.context.catalog.list_attributes()]

    @strawberry.field(description="Collections, in display order.")
    async def collections(
        self, info: Info, first: First = DEFAULT_PAGE_SIZE, after: After = None
    ) -> Connection[Collection]:
        page = await info.context.catalog.browse_collections(page=page_request(first, after))
        return to_connection(page, Collection.from_domain)

    @strawberry.field(description="One collection by ID or slug; null when it does not exist.")
    async def collection(
        self, info: Info, id: strawberry.ID | None = None, slug: str | None = None
    ) -> Collection | None:
        collection_id = parse_id(id, "Collection") if id is not None else None
        try:
            found = await info.context.catalog.get_collection(collection_id=collection_id, slug=slug)
        except CollectionNotFound:
            return None
        return Collection.from_domain(found)

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
