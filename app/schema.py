"""The GraphQL schema, assembled from the resolvers' per-area mixins."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.types import ExecutionContext

from app.execution import LeanExecutor
from resolvers.mutations.catalog.update_category import CategoryUpdateMutation
from resolvers.mutations.catalog.update_product import ProductUpdateMutation
from resolvers.mutations.catalog.update_variant import VariantUpdateMutation
from resolvers.mutations.inventory.update_stock import StockUpdateMutation
from resolvers.mutations.pricing.create_catalogue_promotion import CataloguePromotionCreateMutation
from resolvers.mutations.pricing.update_variant_price import VariantPriceUpdateMutation
from resolvers.query.catalog import CatalogQuery
from resolvers.query.node import NodeQuery
from resolvers.query.pricing import PricingQuery
from resolvers.subscriptions.inventory import InventorySubscription
from schema.errors import ErrorCodes, format_errors
from schema.types.catalog import Category, Product, ProductVariant
from schema.types.collections import Collection


@strawberry.type(description="What a storefront or the dashboard can read.")
class Query(CatalogQuery, PricingQuery, NodeQuery):
    pass


@strawberry.type(description="What the caller can change.")
class Mutation(
    ProductUpdateMutation,
    CategoryUpdateMutation,
    VariantUpdateMutation,
    StockUpdateMutation,
    VariantPriceUpdateMutation,
    CataloguePromotionCreateMutation,
):
    pass


@strawberry.type(description="Live updates over a websocket.")
class Subscription(InventorySubscription):
    pass


class VitrineSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        # Errors raised before the operation hooks run (a syntax error from the parser cache) reach only this
        # hook, not the `ErrorCodes` extension: format them here, in place. Formatting twice changes nothing.
        errors[:] = format_errors(errors)


def build_schema(
    *,
    max_depth: int = 12,
    max_aliases: int = 30,
    max_tokens: int = 5_000,
    extra_extensions: Sequence[Callable[[], SchemaExtension]] = (),
) -> strawberry.Schema:
    """Return the schema with its limits; each extension is a factory, so nothing is shared between requests."""
    # The limit rules are classes built once: the validation cache is keyed by the rules, and rules built per
    # request would make every request miss it (measured: 13-27 % of a listing's CPU went to re-validation).
    rules = [
        *QueryDepthLimiter(max_depth=max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=max_aliases).validation_rules,
    ]
    return VitrineSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[Product, ProductVariant, Category, Collection],
        execution_context_class=LeanExecutor,
        extensions=[
            *extra_extensions,
            ErrorCodes,
            lambda: ParserCache(maxsize=256),
            lambda: ValidationCache(maxsize=256),
            lambda: AddValidationRules(rules),
            lambda: MaxTokensLimiter(max_token_count=max_tokens),
        ],
    )
