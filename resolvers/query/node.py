"""`node` and `nodes`: refetch any object by its global ID."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import strawberry

from domain.catalog.collections import CollectionNotFound
from domain.shared.pagination import MAX_PAGE_SIZE
from schema.context import Info
from schema.errors import ApiError
from schema.relay import Node, parse_global_id
from schema.types.catalog import Category, Product, ProductVariant
from schema.types.collections import Collection


class TooManyIds(ApiError):
    code = "TOO_MANY_IDS"


async def _product(info: Info, id_: int) -> Node | None:
    found = await info.context.catalog.find_product(info.context.actor, id_)
    return Product.from_domain(found) if found else None


async def _variant(info: Info, id_: int) -> Node | None:
    found = await info.context.loaders.variant_by_id.load(id_)
    if found is None or await _product(info, found.product_id) is None:
        return None
    return ProductVariant.from_domain(found)


async def _category(info: Info, id_: int) -> Node | None:
    found = (await info.context.loaders.category_tree.get()).get(id_)
    return Category.from_domain(found) if found else None


async def _collection(info: Info, id_: int) -> Node | None:
    try:
        return Collection.from_domain(await info.context.catalog.get_collection(collection_id=id_))
    except CollectionNotFound:
        return None


RESOLVERS: dict[str, Callable[[Info, int], Awaitable[Node | None]]] = {
    "Product": _product,
    "ProductVariant": _variant,
    "Category": _category,
    "Collection": _collection,
}


async def resolve_node(info: Info, global_id: str) -> Node | None:
    type_name, id_ = parse_global_id(global_id)
    resolver = RESOLVERS.get(type_name)
    return await resolver(info, id_) if resolver else None


@strawberry.type
class NodeQuery:
    @strawberry.field(description="Any object by its global ID; null when it does not exist or is not visible.")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        return await resolve_node(info, id)

    @strawberry.field(description=f"Objects by global ID, in the same order (at most {MAX_PAGE_SIZE}).")
    async def nodes(self, info: Info, ids: list[strawberry.ID]) -> list[Node | None]:
        if len(ids) > MAX_PAGE_SIZE:
            raise TooManyIds(f"Ask for at most {MAX_PAGE_SIZE} IDs at once.")
        return list(await asyncio.gather(*(resolve_node(info, i) for i in ids)))
