"""The floor: W2's category listing answered by a Strawberry schema of the same shape, its data already in memory.

Issue #3 sets the cold target against this reference: "Strawberry's standard executor, with the data already in
memory and no database at all, serves a 24-product listing of this shape at about 3 % of the ceiling". This app
makes that reference measurable in every run, under the same uvicorn settings and the same requests as W2: a
Starlette app with Strawberry's ASGI view; a schema with W2's fields and arguments (`category(slug:)`,
`products(first:)` and `pricing(channel:)` are resolvers, the rest plain attributes, amounts `Decimal`s); Strawberry's
parser and validation caches as its only extensions (as in the API: without them, parsing and validating the
document again costs more than executing it); and W2's real response (the file the harness writes for the ceiling,
`BENCH_FLOOR_BODY`) turned into objects once, at start-up. Every request gets the same page.

`BENCH_FLOOR_EXECUTOR=lean` runs the schema with the API's executor (`app/execution.py`) instead of graphql-core's:
the difference between the two floors is what the executor alone saves on this listing, and the difference between
the lean floor and cold W2 is what reading the database, the loaders, the domain and the API's own request handling
cost on top of it.
"""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import strawberry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.extensions import ParserCache, ValidationCache

from app.execution import LeanExecutor


@strawberry.type
class Money:
    amount: Decimal
    currency: str


@strawberry.type
class TaxedMoney:
    gross: Money


@strawberry.type
class TaxedMoneyRange:
    start: TaxedMoney | None
    stop: TaxedMoney | None


@strawberry.type
class ProductPricing:
    price_range: TaxedMoneyRange | None


@strawberry.type
class ProductImage:
    url: str
    alt: str


@strawberry.type
class Product:
    id: strawberry.ID
    name: str
    slug: str
    thumbnail: ProductImage | None
    is_available: bool
    stored_pricing: strawberry.Private[ProductPricing | None]

    @strawberry.field
    def pricing(self, channel: str | None = None) -> ProductPricing | None:
        return self.stored_pricing


@strawberry.type
class ProductEdge:
    node: Product


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class ProductConnection:
    edges: list[ProductEdge]
    page_info: PageInfo


@strawberry.type
class Category:
    name: str
    page: strawberry.Private[ProductConnection]

    @strawberry.field
    def products(self, first: int | None = None) -> ProductConnection:
        return self.page


def _taxed(found: dict[str, Any] | None) -> TaxedMoney | None:
    if found is None:
        return None
    gross = found["gross"]
    return TaxedMoney(gross=Money(amount=Decimal(gross["amount"]), currency=gross["currency"]))


def _product(node: dict[str, Any]) -> Product:
    pricing = node["pricing"]
    stored = None
    if pricing is not None:
        found = pricing["priceRange"]
        price_range = None
        if found is not None:
            price_range = TaxedMoneyRange(start=_taxed(found["start"]), stop=_taxed(found["stop"]))
        stored = ProductPricing(price_range=price_range)
    thumbnail = node["thumbnail"]
    return Product(
        id=strawberry.ID(node["id"]),
        name=node["name"],
        slug=node["slug"],
        thumbnail=None if thumbnail is None else ProductImage(url=thumbnail["url"], alt=thumbnail["alt"]),
        is_available=node["isAvailable"],
        stored_pricing=stored,
    )


def category_of(body: bytes) -> Category:
    """Turn W2's response into the objects the floor's schema serves."""
    found = orjson.loads(body)["data"]["category"]
    products = found["products"]
    page_info = products["pageInfo"]
    page = ProductConnection(
        edges=[ProductEdge(node=_product(edge["node"])) for edge in products["edges"]],
        page_info=PageInfo(has_next_page=page_info["hasNextPage"], end_cursor=page_info["endCursor"]),
    )
    return Category(name=found["name"], page=page)


def build_schema(category: Category, *, lean: bool = False) -> strawberry.Schema:
    """Return the floor's schema over `category`; `lean`: with the API's executor instead of graphql-core's."""

    @strawberry.type
    class Query:
        @strawberry.field
        def category(self, slug: str) -> Category | None:
            return category

    return strawberry.Schema(
        query=Query,
        execution_context_class=LeanExecutor if lean else None,
        extensions=[lambda: ParserCache(maxsize=256), lambda: ValidationCache(maxsize=256)],
    )


class _View(GraphQL[None, None]):
    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)  # as the API encodes its responses


def create_app() -> Starlette:
    """Build the app from `BENCH_FLOOR_BODY`; read here, not at import time."""
    category = category_of(Path(os.environ["BENCH_FLOOR_BODY"]).read_bytes())
    schema = build_schema(category, lean=os.environ.get("BENCH_FLOOR_EXECUTOR") == "lean")
    view = _View(schema, graphql_ide=None)

    async def healthz(_: Request) -> Response:
        return Response(b'{"status":"ok"}', media_type="application/json")

    return Starlette(routes=[Route("/graphql", view, methods=["GET", "POST"]), Route("/healthz", healthz)])
