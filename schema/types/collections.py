"""Collections: products picked by hand or by a rule."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.catalog import collections as domain
from domain.shared.pagination import DEFAULT_PAGE_SIZE
from schema.context import Info
from schema.relay import AFTER_DESCRIPTION, FIRST_DESCRIPTION, Node, page_request, to_global_id
from schema.types.listing import ProductFilter, ProductSortInput, to_criteria
from schema.types.product_listing import ProductConnection, page_relations, product_connection


@strawberry.type(description="A named group of products, picked by hand or defined by a rule.")
class Collection(Node):
    slug: str = strawberry.field(description="The collection's URL handle.")
    name: str = strawberry.field(description="The collection's name.")
    description: str = strawberry.field(description="The collection's description.")
    is_rule_based: bool = strawberry.field(description="Whether a rule, not a hand-picked list, decides its products.")
    db_id: strawberry.Private[int]

    @classmethod
    def from_domain(cls, c: domain.Collection) -> Collection:
        return cls(
            id=strawberry.ID(to_global_id("Collection", c.id)),
            slug=c.slug,
            name=c.name,
            description=c.description,
            is_rule_based=c.kind is domain.CollectionKind.RULE,
            db_id=c.id,
        )

    @strawberry.field(description="The collection's products, filtered and sorted like any listing.")
    async def products(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description=FIRST_DESCRIPTION)] = DEFAULT_PAGE_SIZE,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
        filter: ProductFilter | None = None,
        sort_by: ProductSortInput | None = None,
    ) -> ProductConnection:
        criteria = to_criteria(filter, sort_by=sort_by, collection_id=self.db_id)
        page = await info.context.catalog.browse_products(
            info.context.actor, criteria, page=page_request(first, after, info), relations=page_relations(info)
        )
        return await product_connection(info, page, criteria)
