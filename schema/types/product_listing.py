"""A page of products, and the facets of the whole listing it belongs to."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from decimal import Decimal

import strawberry

from domain.catalog import model
from domain.catalog.facets import Facets
from domain.shared.money import Money as DomainMoney
from domain.shared.pagination import Page
from schema.context import Info
from schema.relay import Connection, edges_of, page_info_of
from schema.types.attributes import Attribute, AttributeChoice
from schema.types.catalog import Category, Product
from schema.types.money import Money
from schema.types.selections import node_fields


@strawberry.type(description="How many of the listing's products are in a category or its subcategories.")
class CategoryFacet:
    category: Category = strawberry.field(description="The category.")
    count: int = strawberry.field(description="Products of the listing in it or its subcategories.")


@strawberry.type(description="How many of the listing's products have an attribute value.")
class AttributeValueFacet:
    choice: AttributeChoice | None = strawberry.field(description="The choice, for a choice attribute.")
    boolean: bool | None = strawberry.field(description="The value, for a yes/no attribute.")
    count: int = strawberry.field(description="Products of the listing with this value.")


@strawberry.type(description="The counts of one attribute's values.")
class AttributeFacet:
    attribute: Attribute = strawberry.field(description="The attribute.")
    values: list[AttributeValueFacet] = strawberry.field(description="Each value with its count.")


@strawberry.type(description="How many of the listing's products cost from `minimum` up to (not including) `maximum`.")
class PriceBucket:
    minimum: Money = strawberry.field(description="The lowest price in the bucket.")
    maximum: Money | None = strawberry.field(description="The bucket's exclusive upper edge; null: no limit.")
    count: int = strawberry.field(description="Products of the listing in the bucket.")


@strawberry.type(description="Counts for a listing's filter sidebar, for the same filters as the listing.")
class ProductFacets:
    categories: list[CategoryFacet] = strawberry.field(description="Per category (subcategories included).")
    attributes: list[AttributeFacet] = strawberry.field(description="Per choice and yes/no attribute value.")
    price_buckets: list[PriceBucket] = strawberry.field(description="Per price bucket; empty without a channel.")


@strawberry.type(description="A page of products.")
class ProductConnection(Connection[Product]):
    criteria: strawberry.Private[model.ProductCriteria]

    @strawberry.field(description="Counts over the whole listing (not just this page), for filter sidebars.")
    async def facets(self, info: Info) -> ProductFacets:
        facets = await info.context.catalog.facet_products(info.context.actor, self.criteria)
        currency = (
            (await info.context.pricing.channel(self.criteria.channel)).currency if self.criteria.channel else None
        )
        return await _to_schema(info, facets, currency)


async def _to_schema(info: Info, facets: Facets, currency: str | None) -> ProductFacets:
    tree = await info.context.loaders.category_tree.get()
    by_id = {a.id: a for a in await info.context.catalog.list_attributes()}
    grouped: dict[int, list[AttributeValueFacet]] = {}
    for value in facets.values:
        attribute = by_id.get(value.attribute_id)
        if attribute is None:
            continue
        choice = next((c for c in attribute.choices if c.id == value.choice_id), None)
        grouped.setdefault(value.attribute_id, []).append(
            AttributeValueFacet(
                choice=AttributeChoice(slug=choice.slug, name=choice.name) if choice else None,
                boolean=value.boolean,
                count=value.count,
            )
        )

    def money(amount: Decimal | None) -> Money | None:
        return None if amount is None or currency is None else Money.from_domain(DomainMoney.of(amount, currency))

    return ProductFacets(
        categories=[
            CategoryFacet(category=Category.from_domain(c), count=f.count)
            for f in facets.categories
            if (c := tree.get(f.category_id)) is not None
        ],
        attributes=[
            AttributeFacet(attribute=Attribute.from_domain(by_id[a]), values=values) for a, values in grouped.items()
        ],
        price_buckets=[
            PriceBucket(minimum=m, maximum=money(b.maximum), count=b.count)
            for b in facets.price_buckets
            if (m := money(b.minimum)) is not None
        ],
    )


def page_relations(info: Info) -> model.PageRelations:
    """Return what the connection's nodes select that the page's statement can read with them: their images
    (`thumbnail`, `images`) and their prices in one channel (the first `pricing` selection's; a second channel is
    loaded after the page, as everything is on SQLite)."""
    wanted = node_fields(info)
    pricing = wanted.get("pricing")
    return model.PageRelations(
        images="thumbnail" in wanted or "images" in wanted,
        prices=bool(pricing),
        channel=pricing[0].get("channel") if pricing else None,
    )


async def product_connection(
    info: Info, page: Page[model.Product], criteria: model.ProductCriteria
) -> ProductConnection:
    """Map a page of products onto a connection, having first loaded what its nodes' fields ask for."""
    await prefetch_node_fields(info, [p.id for p in page.items])
    return to_product_connection(page, criteria)


async def prefetch_node_fields(info: Info, product_ids: list[int]) -> None:
    """Load the images, category tree and prices the page's nodes select, for the whole page at once.

    Their resolvers (`Product.thumbnail`, `category`, `pricing`) then find the values already loaded and return
    them without waiting, which spares graphql-core a task and an await per field and node (≈ 300 per page of
    100). A failed load is left for the field to report, where it would have failed anyway.
    """
    if not product_ids:
        return
    wanted = node_fields(info)
    pending: list[Awaitable[object]] = []
    loaders = info.context.loaders
    if "thumbnail" in wanted or "images" in wanted:
        pending.append(loaders.images_by_product.prefetch(product_ids))
    if "category" in wanted:
        pending.append(loaders.category_tree.get())
    for arguments in wanted.get("pricing", []):
        channel, country = arguments.get("channel"), arguments.get("country")
        pending.append(info.context.price_summaries.prefetch([(pid, channel, country) for pid in product_ids]))
    await asyncio.gather(*pending, return_exceptions=True)


def to_product_connection(page: Page[model.Product], criteria: model.ProductCriteria) -> ProductConnection:
    """Map a page of products onto a connection that can also answer the listing's facets."""
    return ProductConnection(
        edges=edges_of(page, Product.from_domain),
        page_info=page_info_of(page),
        total_count=page.total_count or 0,  # resolved only when selected, and then counted
        criteria=criteria,
    )
