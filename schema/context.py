"""The per-request context every resolver receives, and the `Info` alias to type resolvers with."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol, TypeAlias, TypeVar

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.types import Info as StrawberryInfo

from domain.catalog.attributes import AttributeValue
from domain.catalog.model import CategoryTree, Product, ProductImage, ProductTranslation, ProductVariant
from domain.catalog.services import CatalogService
from domain.inventory.model import StockLevel
from domain.inventory.services import InventoryService
from domain.pricing.breakdown import PricedProduct
from domain.pricing.services import PricingService
from domain.pricing.summary import PriceSummary
from domain.shared.actor import Actor

K = TypeVar("K", contravariant=True)
V = TypeVar("V")
M = TypeVar("M", covariant=True)


class Loader(Protocol[K, V]):
    def load(self, key: K) -> Awaitable[V]: ...

    def load_many(self, keys: Iterable[K]) -> Awaitable[list[V]]: ...


class PageLoader(Loader[K, V], Protocol[K, V]):
    """A loader a listing's page fills for its products' fields before they run."""

    async def prefetch(self, keys: Iterable[K]) -> None:
        """Load the keys not loaded yet in one batch, for the `load`s that follow; errors wait in their keys."""

    async def settle(self, keys: Iterable[K]) -> None:
        """Load the keys with this turn's other loads, and wait until they are loaded; errors wait in their keys."""


class Memo(Protocol[M]):
    def get(self) -> Awaitable[M]: ...


class LoaderSet(Protocol):
    """The request's loaders, as the schema sees them (built by the data layer)."""

    @property
    def product_by_id(self) -> Loader[int, Product | None]: ...

    @property
    def variants_by_product(self) -> Loader[int, list[ProductVariant]]: ...

    @property
    def variant_by_id(self) -> Loader[int, ProductVariant | None]: ...

    @property
    def images_by_product(self) -> PageLoader[int, list[ProductImage]]: ...

    @property
    def stock_by_variant(self) -> PageLoader[int, StockLevel | None]: ...

    @property
    def category_tree(self) -> Memo[CategoryTree]: ...

    @property
    def attribute_values(self) -> Loader[int, list[AttributeValue]]: ...

    @property
    def translation(self) -> Loader[tuple[int, str], ProductTranslation | None]: ...
    def note_availability_read(self) -> None:
        """Say that the response shows whether products can be bought (`Product.in_stock`, read with them)."""


@dataclass(frozen=True, slots=True)
class RequestScope:
    """One request's loaders and the domain services bound to them."""

    loaders: LoaderSet
    catalog: CatalogService
    inventory: InventoryService
    pricing: PricingService
    # (product id, channel or None for the default, country or None for the channel's) -> priced, or None
    product_pricing: PageLoader[tuple[int, str | None, str | None], PricedProduct | None]
    # The same keys -> the product's price summary (stored, or from the engine), or None
    price_summaries: PageLoader[tuple[int, str | None, str | None], PriceSummary | None]


@dataclass(slots=True)
class Context:
    """Built fresh for every request (and once per websocket connection, and per shared subscription feed).

    The loaders and services are built on first use: a websocket connection whose subscriptions run on shared
    feeds never needs its own, and 5,000 idle connections should not hold 5,000 sets of loaders.
    """

    request: Request | WebSocket | None  # None for a shared subscription feed, which serves many connections
    # None for a shared feed and for a prepared operation (app/prepared.py), which sends no sub-response: resolvers
    # must not set headers or a status through it.
    response: Response | WebSocket | None
    request_id: str
    actor: Actor
    build_scope: Callable[[], RequestScope]
    connection_params: object = None
    _scope: RequestScope | None = field(default=None, init=False, repr=False)
    # What fields' selections ask for, worked out once per field of an execution rather than once per object
    # (`schema/types/selections.py`): Strawberry converts a selection anew each time `selected_fields` is read.
    selections: dict[tuple[object, ...], tuple[object, object, object]] = field(
        default_factory=dict, init=False, repr=False
    )

    @property
    def scope(self) -> RequestScope:
        if self._scope is None:
            self._scope = self.build_scope()
        return self._scope

    @property
    def loaders(self) -> LoaderSet:
        return self.scope.loaders

    @property
    def catalog(self) -> CatalogService:
        return self.scope.catalog

    @property
    def inventory(self) -> InventoryService:
        return self.scope.inventory

    @property
    def pricing(self) -> PricingService:
        return self.scope.pricing

    @property
    def product_pricing(self) -> PageLoader[tuple[int, str | None, str | None], PricedProduct | None]:
        return self.scope.product_pricing

    @property
    def price_summaries(self) -> PageLoader[tuple[int, str | None, str | None], PriceSummary | None]:
        return self.scope.price_summaries


Info: TypeAlias = StrawberryInfo[Context, None]
