"""Catalog types. Relation fields are one-line loader calls; everything else is a plain attribute."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Final, TypeVar, cast

import strawberry

from domain.catalog import model
from domain.catalog.attributes import AttributeValue
from domain.inventory.model import StockLevel
from domain.pricing.breakdown import PricedProduct
from domain.pricing.errors import ProductNotInChannel
from domain.pricing.summary import PriceSummary
from domain.shared.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from schema.context import Info
from schema.relay import (
    AFTER_DESCRIPTION,
    FIRST_DESCRIPTION,
    Connection,
    Node,
    page_request,
    to_connection,
    to_global_id,
)
from schema.types.attributes import ProductAttribute
from schema.types.money import Money, PriceRange
from schema.types.pricing import ProductPricing, VariantPricing
from schema.types.selections import Wanted, item_fields

T = TypeVar("T")
R = TypeVar("R")

if TYPE_CHECKING:
    from schema.types.listing import ProductFilter, ProductSortInput
    from schema.types.product_listing import ProductConnection

NESTED_LIMIT = MAX_PAGE_SIZE
Channel = Annotated[str | None, strawberry.argument(description="The channel's slug; the default channel when null.")]
Country = Annotated[
    str | None, strawberry.argument(description="Tax for this ISO country; the channel's default when null.")
]


def now_or_later(pending: Awaitable[T], build: Callable[[T], R]) -> R:
    """Return `build(value)` at once when `pending` already holds its value (a loader the page prefetched),
    else an awaitable of it.

    A resolver that is a plain function and returns a plain value costs graphql-core no task and no await; when it
    returns an awaitable, graphql-core awaits it like an async resolver's result. The cast only hides that second
    case from the type the schema is built from.
    """
    if isinstance(pending, asyncio.Future) and pending.done() and not pending.cancelled():  # noqa: SIM102
        if pending.exception() is None:
            return build(pending.result())

    async def later() -> R:
        return build(await pending)

    return cast(R, later())


@strawberry.type(description="A product option chosen by a variant, e.g. size M.")
class SelectedOption:
    name: str = strawberry.field(description="The option, e.g. `Size`.")
    value: str = strawberry.field(description="The chosen value, e.g. `M`.")


@strawberry.type(description="A picture of a product.")
class ProductImage:
    url: str = strawberry.field(description="The image's address.")
    alt: str = strawberry.field(description="Text describing the image, for screen readers.")

    @classmethod
    def from_domain(cls, image: model.ProductImage) -> ProductImage:
        return cls(url=image.url, alt=image.alt)


@strawberry.type(description="A purchasable version of a product (a size, a colour…), with its own SKU and price.")
class ProductVariant(Node):
    sku: str = strawberry.field(description="The stock-keeping unit, unique across the shop.")
    name: str = strawberry.field(description="The variant's name, e.g. `M / Blue`.")
    options: list[SelectedOption] = strawberry.field(description="The option values that make this variant.")
    db_id: strawberry.Private[int]
    product_id: strawberry.Private[int]

    @classmethod
    def from_domain(cls, v: model.ProductVariant) -> ProductVariant:
        return cls(
            id=strawberry.ID(to_global_id("ProductVariant", v.id)),
            sku=v.sku,
            name=v.name,
            options=[SelectedOption(name=o.name, value=o.value) for o in v.options],
            db_id=v.id,
            product_id=v.product_id,
        )

    @strawberry.field(description="What one unit costs in a channel now, and why; null when it is not sold there.")
    def pricing(self, info: Info, channel: Channel = None, country: Country = None) -> VariantPricing | None:
        variant_id = self.db_id

        def build(priced: PricedProduct | None) -> VariantPricing | None:
            unit = next((u for u in priced.variants if u.variant_id == variant_id), None) if priced else None
            return VariantPricing.from_domain(unit) if unit else None

        return now_or_later(info.context.product_pricing.load((self.product_id, channel, country)), build)

    @strawberry.field(
        description="The entered price in the default channel.",
        deprecation_reason="Prices depend on the channel: use `pricing(channel:)` (since 2026-11-25).",
    )
    async def price(self, info: Info) -> Money:
        priced = await info.context.product_pricing.load((self.product_id, None, None))
        unit = next((u for u in priced.variants if u.variant_id == self.db_id), None) if priced else None
        if unit is None:
            raise ProductNotInChannel("This variant is not sold in the default channel.")
        return Money.from_domain(unit.base)

    @strawberry.field(description="Units a shopper can buy now.")
    def quantity_available(self, info: Info) -> int:
        return now_or_later(info.context.loaders.stock_by_variant.load(self.db_id), _quantity_available)

    @strawberry.field(description="Whether at least one unit can be bought now.")
    def is_in_stock(self, info: Info) -> bool:
        return now_or_later(info.context.loaders.stock_by_variant.load(self.db_id), _is_in_stock)

    @strawberry.field(description="The product this variant belongs to.")
    async def product(self, info: Info) -> Product | None:
        found = await info.context.loaders.product_by_id.load(self.product_id)
        return Product.from_domain(found) if found else None


@strawberry.type(description="What search engines show for a page.")
class Seo:
    title: str = strawberry.field(description="The page title; the name when none is set.")
    description: str = strawberry.field(description="The meta description; the description's start when none is set.")

    @classmethod
    def from_domain(cls, seo: model.Seo) -> Seo:
        return cls(title=seo.title, description=seo.description)


@strawberry.type(description="A product's shopper-facing text in one language, each missing field in the default.")
class ProductTranslation:
    language_code: str = strawberry.field(description="The language, e.g. `fr` or `pt-BR`.")
    name: str = strawberry.field(description="The name.")
    slug: str = strawberry.field(description="The URL handle.")
    description: str = strawberry.field(description="The description.")
    seo: Seo = strawberry.field(description="What search engines show.")

    @classmethod
    def from_domain(cls, text: model.LocalizedText) -> ProductTranslation:
        return cls(
            language_code=text.language_code,
            name=text.name,
            slug=text.slug,
            description=text.description,
            seo=Seo.from_domain(text.seo),
        )


def _seo(root: Product) -> Seo:
    return Seo.from_domain(root.domain.seo())


@strawberry.type(description="A product, as sold in the shop.")
class Product(Node):
    name: str = strawberry.field(description="The product's name.")
    slug: str = strawberry.field(description="The product's URL handle, unique across the shop.")
    description: str = strawberry.field(description="The product's description, as plain text.")
    created_at: datetime = strawberry.field(description="When the product was created.")
    updated_at: datetime = strawberry.field(description="When the product was last changed.")
    is_published: bool = strawberry.field(description="Whether the product is published (see `publishedAt`).")
    published_at: datetime | None = strawberry.field(description="When shoppers start seeing it; null: at once.")
    # A resolver: listings rarely ask for it, and the fallback description is an excerpt to compute.
    seo: Seo = strawberry.field(resolver=_seo, description="What search engines show for the product's page.")
    db_id: strawberry.Private[int]
    category_id: strawberry.Private[int | None]
    domain: strawberry.Private[model.Product]

    @classmethod
    def from_domain(cls, p: model.Product) -> Product:
        return cls(
            id=strawberry.ID(to_global_id("Product", p.id)),
            name=p.name,
            slug=p.slug,
            description=p.description,
            created_at=p.created_at,
            updated_at=p.updated_at,
            is_published=p.is_published,
            published_at=p.published_at,
            db_id=p.id,
            category_id=p.category_id,
            domain=p,
        )

    @strawberry.field(description="The name, slug, description and SEO text in a language, with fallbacks.")
    async def translation(self, info: Info, language_code: str) -> ProductTranslation:
        text = await info.context.catalog.localize(self.domain, language_code=language_code)
        return ProductTranslation.from_domain(text)

    @strawberry.field(description="The category the product is filed under.")
    def category(self, info: Info) -> Category | None:
        if self.category_id is None:
            return None
        category_id = self.category_id

        def build(tree: model.CategoryTree) -> Category | None:
            found = tree.get(category_id)
            return Category.from_domain(found) if found else None

        return now_or_later(info.context.loaders.category_tree.get(), build)

    @strawberry.field(description=f"The product's variants, in display order (at most {NESTED_LIMIT}).")
    def variants(
        self, info: Info, first: Annotated[int, strawberry.argument(description=FIRST_DESCRIPTION)] = NESTED_LIMIT
    ) -> list[ProductVariant]:
        def build(found: Sequence[model.ProductVariant]) -> list[ProductVariant]:
            return [ProductVariant.from_domain(v) for v in found[: max(0, min(first, NESTED_LIMIT))]]

        loaded = info.context.loaders.variants_by_product.load(self.db_id)
        wanted = item_fields(info)
        if not _LOADED_VARIANT_FIELDS.intersection(wanted):
            return now_or_later(loaded, build)

        async def with_their_fields() -> list[ProductVariant]:
            # What the variants' fields load is loaded with them, for all of the page's products together: each
            # variant's `quantityAvailable`, `isInStock` and `pricing` then finds its value without an await
            # (three coroutines and their tasks per variant, otherwise).
            found = build(await loaded)
            await _settle_variant_fields(info, self.db_id, found, wanted)
            return found

        return cast(list[ProductVariant], with_their_fields())

    @strawberry.field(description=f"The product's images, in display order (at most {NESTED_LIMIT}).")
    def images(
        self, info: Info, first: Annotated[int, strawberry.argument(description=FIRST_DESCRIPTION)] = NESTED_LIMIT
    ) -> list[ProductImage]:
        def build(found: Sequence[model.ProductImage]) -> list[ProductImage]:
            return [ProductImage.from_domain(i) for i in found[: max(0, min(first, NESTED_LIMIT))]]

        return now_or_later(info.context.loaders.images_by_product.load(self.db_id), build)

    @strawberry.field(description="The first image, for listings.")
    def thumbnail(self, info: Info) -> ProductImage | None:
        return now_or_later(info.context.loaders.images_by_product.load(self.db_id), _first_image)

    @strawberry.field(description="What the variants cost in a channel now; null when the channel does not sell it.")
    def pricing(self, info: Info, channel: Channel = None, country: Country = None) -> ProductPricing | None:
        return now_or_later(info.context.price_summaries.load((self.db_id, channel, country)), _pricing_of)

    @strawberry.field(
        description="The lowest and highest entered price in the default channel, after promotions.",
        deprecation_reason="Prices depend on the channel: use `pricing(channel:)` (since 2026-11-25).",
    )
    async def price_range(self, info: Info) -> PriceRange | None:
        priced = await info.context.product_pricing.load((self.db_id, None, None))
        if priced is None:
            return None
        return PriceRange.from_domain(priced.price_range, priced.variants[0].basis)

    @strawberry.field(description="The product's attributes with their values, in display order.")
    async def attributes(self, info: Info) -> list[ProductAttribute]:
        values = await info.context.loaders.attribute_values.load(self.db_id)
        grouped: dict[int, list[AttributeValue]] = {}
        for value in values:
            grouped.setdefault(value.attribute_id, []).append(value)
        known = await info.context.catalog.list_attributes()
        return [ProductAttribute.from_domain(a, grouped[a.id]) for a in known if a.id in grouped]

    @strawberry.field(description="Whether any variant can be bought now.")
    def is_available(self, info: Info) -> bool:
        # The product's own flag, kept by every stock write: no variant or stock read, nothing to await.
        info.context.loaders.note_availability_read()
        return self.domain.in_stock


_LOADED_VARIANT_FIELDS: Final = frozenset({"quantityAvailable", "isInStock", "pricing", "price"})


async def _settle_variant_fields(info: Info, product_id: int, found: list[ProductVariant], wanted: Wanted) -> None:
    pending: list[Awaitable[None]] = []
    if "quantityAvailable" in wanted or "isInStock" in wanted:
        pending.append(info.context.loaders.stock_by_variant.settle([v.db_id for v in found]))
    keys = [(product_id, a.get("channel"), a.get("country")) for a in wanted.get("pricing", [])]
    if "price" in wanted:
        keys.append((product_id, None, None))
    if keys:
        pending.append(info.context.product_pricing.settle(keys))
    await asyncio.gather(*pending)  # `settle` leaves errors to the fields: it does not raise


def _first_image(found: list[model.ProductImage]) -> ProductImage | None:
    return ProductImage.from_domain(found[0]) if found else None


def _pricing_of(summary: PriceSummary | None) -> ProductPricing | None:
    return ProductPricing.from_domain(summary) if summary else None


def _quantity_available(level: StockLevel | None) -> int:
    return level.quantity_available if level else 0


def _is_in_stock(level: StockLevel | None) -> bool:
    return level.is_in_stock if level else False


@strawberry.type(description="A node of the category tree.")
class Category(Node):
    name: str = strawberry.field(description="The category's name.")
    slug: str = strawberry.field(description="The category's URL handle, unique across the shop.")
    description: str = strawberry.field(description="The category's description.")
    db_id: strawberry.Private[int]
    parent_id: strawberry.Private[int | None]

    @classmethod
    def from_domain(cls, c: model.Category) -> Category:
        return cls(
            id=strawberry.ID(to_global_id("Category", c.id)),
            name=c.name,
            slug=c.slug,
            description=c.description,
            db_id=c.id,
            parent_id=c.parent_id,
        )

    @strawberry.field(description="The parent category; null at the top level.")
    async def parent(self, info: Info) -> Category | None:
        if self.parent_id is None:
            return None
        found = (await info.context.loaders.category_tree.get()).get(self.parent_id)
        return Category.from_domain(found) if found else None

    @strawberry.field(description="The categories from the top level down to this one's parent.")
    async def ancestors(self, info: Info) -> list[Category]:
        tree = await info.context.loaders.category_tree.get()
        return [Category.from_domain(c) for c in tree.ancestors(self.db_id)]

    @strawberry.field(description="The direct subcategories, in display order.")
    async def children(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description=FIRST_DESCRIPTION)] = DEFAULT_PAGE_SIZE,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
    ) -> Connection[Category]:
        page = await info.context.catalog.browse_categories(parent_id=self.db_id, page=page_request(first, after))
        return to_connection(page, Category.from_domain)

    @strawberry.field(description="The products in this category and its subcategories.")
    async def products(
        self,
        info: Info,
        first: Annotated[int, strawberry.argument(description=FIRST_DESCRIPTION)] = DEFAULT_PAGE_SIZE,
        after: Annotated[str | None, strawberry.argument(description=AFTER_DESCRIPTION)] = None,
        filter: Annotated[ProductFilter, strawberry.lazy("schema.types.listing")] | None = None,
        sort_by: Annotated[ProductSortInput, strawberry.lazy("schema.types.listing")] | None = None,
    ) -> Annotated[ProductConnection, strawberry.lazy("schema.types.product_listing")]:
        from schema.types import listing, product_listing  # the listing types refer back to this module

        criteria = listing.to_criteria(filter, sort_by=sort_by, category_id=self.db_id)
        page = await info.context.catalog.browse_products(
            info.context.actor,
            criteria,
            page=page_request(first, after, info),
            relations=product_listing.page_relations(info),
        )
        return await product_listing.product_connection(info, page, criteria)
