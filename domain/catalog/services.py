"""Catalog use cases: browsing for shoppers, editing for staff."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

from domain.catalog.attributes import Attribute, InvalidRange, NumberRange, resolve_filters
from domain.catalog.collections import Collection, CollectionKind, CollectionNotFound, CollectionRule
from domain.catalog.errors import (
    CategoryNotFound,
    ChannelRequired,
    InvalidSort,
    ProductNotFound,
    SkuTaken,
    SlugTaken,
    UnknownChannel,
    VariantNotFound,
)
from domain.catalog.events import CategoryUpdated, ProductUpdated, VariantUpdated
from domain.catalog.facets import PRICE_EDGES, Facets, roll_up
from domain.catalog.model import (
    NO_RELATIONS,
    Category,
    CategoryTree,
    LocalizedText,
    PageRelations,
    Product,
    ProductCriteria,
    ProductQuery,
    ProductSort,
    ProductSortField,
    ProductVariant,
    localize,
    validate_language_code,
)
from domain.catalog.policies import can_view_product, ensure_can_manage_catalog, sees_unpublished
from domain.catalog.ports import CatalogReader, CatalogUnitOfWork
from domain.catalog.search import SearchQuery, SearchTerm, clean_search, closest_words, needs_correction, tokenize
from domain.shared.actor import Actor
from domain.shared.pagination import InvalidCursor, Page, PageRequest, build_page, decode_cursor
from domain.shared.ports import Clock

DEFAULT_SORT = ProductSort()
EVERYTHING = ProductCriteria()
RELEVANCE_SORT = ProductSort(ProductSortField.RELEVANCE)
PICKED_SORT = ProductSort(ProductSortField.POSITION)
PRODUCTS_SCOPE = DEFAULT_SORT.scope
CATEGORIES_SCOPE = "categories:tree"
COLLECTIONS_SCOPE = "collections:position"


def _both(first: NumberRange | None, second: NumberRange | None) -> NumberRange | None:
    """Return the range that satisfies both (a client's filter within a collection's rule)."""
    if first is None or second is None:
        return first or second
    lows = [b for b in (first.minimum, second.minimum) if b is not None]
    highs = [b for b in (first.maximum, second.maximum) if b is not None]
    return NumberRange(minimum=max(lows, default=None), maximum=min(highs, default=None))


class CatalogService:
    """Browse and edit the catalog on behalf of an actor."""

    def __init__(self, *, reader: CatalogReader, uow: Callable[[], CatalogUnitOfWork], clock: Clock) -> None:
        self._reader = reader
        self._uow = uow
        self._clock = clock

    async def browse_products(
        self,
        actor: Actor,
        criteria: ProductCriteria = EVERYTHING,
        *,
        page: PageRequest,
        relations: PageRelations = NO_RELATIONS,
    ) -> Page[Product]:
        """List the products the actor may see: searched, filtered and sorted (by relevance when searching);
        `relations`: what the caller will read of them next (`CatalogReader.list_products`)."""
        query, scope = await self._query(actor, criteria)
        after = decode_cursor(scope, page.after, query.sort.shape) if page.after else None
        if after is not None:
            query.sort.check_key(after)
        rows = await self._reader.list_products(
            query, after=after, limit=page.first + 1, count_total=page.count_total, relations=relations
        )
        positions = {p.id: key for p, key in zip(rows.items, rows.keys, strict=True)}
        return build_page(
            rows.items, request=page, scope=scope, key=lambda p: positions[p.id], total_count=rows.total_count
        )

    async def facet_products(self, actor: Actor, criteria: ProductCriteria = EVERYTHING) -> Facets:
        """Count a listing's products per category (with subcategories), attribute value and price bucket."""
        query, _ = await self._query(actor, criteria)
        raw = await self._reader.facets(query, price_edges=PRICE_EDGES)
        return roll_up(raw, await self._reader.category_tree(), priced=query.channel is not None)

    async def suggest(self, actor: Actor, *, text: str, limit: int) -> list[str]:
        """Return the names of the products that best match what the shopper has typed so far."""
        if clean_search(text) is None:
            return []
        page = await self.browse_products(
            actor, ProductCriteria(search=text), page=PageRequest(first=limit, count_total=False)
        )
        return list(dict.fromkeys(p.name for p in page.items))  # several products may share a name

    async def list_attributes(self) -> Sequence[Attribute]:
        """Return every attribute shoppers can filter by, with its choices."""
        return await self._reader.attributes()

    async def get_collection(self, *, collection_id: int | None = None, slug: str | None = None) -> Collection:
        """Return one collection by id or slug."""
        every = await self._reader.collections()
        found = next((c for c in every if c.id == collection_id or (slug is not None and c.slug == slug)), None)
        if found is None:
            raise CollectionNotFound("No such collection.")
        return found

    async def browse_collections(self, *, page: PageRequest) -> Page[Collection]:
        """List collections in display order."""
        every = sorted(await self._reader.collections(), key=lambda c: (c.position, c.id))
        start = 0
        if page.after:
            (after_id,) = decode_cursor(COLLECTIONS_SCOPE, page.after, (int,))
            start = next((i + 1 for i, c in enumerate(every) if c.id == after_id), len(every))
        rows = every[start : start + page.first + 1]
        return build_page(rows, request=page, scope=COLLECTIONS_SCOPE, key=lambda c: (c.id,), total_count=len(every))

    async def _query(self, actor: Actor, criteria: ProductCriteria) -> tuple[ProductQuery, str]:
        """Check and resolve what was asked into a query, and name the listing its cursors belong to."""
        text = clean_search(criteria.search)
        now = self._clock.now()
        collection = await self.get_collection(collection_id=criteria.collection_id) if criteria.collection_id else None
        rule = collection.rule if collection and collection.kind is CollectionKind.RULE else None
        picked = collection is not None and collection.kind is CollectionKind.MANUAL
        sort = criteria.sort or (RELEVANCE_SORT if text else PICKED_SORT if picked else DEFAULT_SORT)
        if sort.field is ProductSortField.RELEVANCE and text is None:
            raise InvalidSort("Sorting by relevance needs a search.", field="sortBy")
        if sort.field is ProductSortField.POSITION and not picked:
            raise InvalidSort("Only a hand-picked collection has an order of its own.", field="sortBy")
        channel = await self._channel(criteria.channel, rule)
        price_range = _both(
            criteria.price_range, NumberRange(maximum=rule.max_price) if rule and rule.max_price else None
        )
        if (sort.field is ProductSortField.PRICE or price_range) and channel is None:
            raise ChannelRequired("Sorting or filtering by price needs a channel.", field="channel")
        if price_range and price_range.minimum is not None and price_range.minimum < 0:
            raise InvalidRange("A price range cannot start below zero.", field="price")
        attributes = {a.slug: a for a in await self._reader.attributes()} if criteria.attributes else {}
        query = ProductQuery(
            category_ids=await self._subtree(criteria.category_id),
            visible_at=None if sees_unpublished(actor) else now,
            in_stock=criteria.in_stock,
            search=await self._search_query(text) if text else None,
            attributes=resolve_filters(criteria.attributes, attributes),
            channel=channel,
            price_range=price_range,
            collection_id=collection.id if collection and collection.kind is CollectionKind.MANUAL else None,
            created_after=rule.created_after(now) if rule else None,
            sort=sort,
        )
        # A cursor belongs to one order of one listing: another search's or channel's cursor is refused.
        scope = sort.scope
        if text is not None:
            scope += ":" + hashlib.sha256(text.casefold().encode()).hexdigest()[:12]
        if sort.field is ProductSortField.PRICE:
            scope += f":{query.channel}"
        if sort.field is ProductSortField.POSITION:
            scope += f":{query.collection_id}"
        return query, scope

    async def _channel(self, asked: str | None, rule: CollectionRule | None) -> str | None:
        """Return the channel a listing prices in: the one asked for, or the collection rule's; refuse others."""
        ruled = rule.channel if rule and rule.max_price is not None else None
        if asked is not None and ruled is not None and asked != ruled:
            raise InvalidRange(f"This collection's prices are in channel {ruled!r}.", field="channel")
        chosen = asked or ruled
        if chosen is not None and chosen not in await self._reader.channel_slugs():
            raise UnknownChannel(f"There is no channel {chosen!r}.", field="channel")
        return chosen

    async def _subtree(self, category_id: int | None) -> frozenset[int] | None:
        if category_id is None:
            return None
        tree = await self._reader.category_tree()
        if tree.get(category_id) is None:
            raise CategoryNotFound("No such category.", field="categoryId")
        return tree.subtree_ids(category_id)

    async def _search_query(self, text: str) -> SearchQuery:
        words = tokenize(text)
        correctable = [w for w in words if needs_correction(w)]
        near = await self._reader.vocabulary_near(correctable) if correctable else {}
        return SearchQuery(text=text, terms=tuple(SearchTerm(w, closest_words(w, near.get(w, ()))) for w in words))

    async def get_product(
        self,
        actor: Actor,
        *,
        product_id: int | None = None,
        slug: str | None = None,
        language_code: str | None = None,
    ) -> Product:
        """Return one product by id or slug (a translated slug too, given its language), if the actor may see it."""
        language = validate_language_code(language_code) if language_code else None
        if product_id is not None:
            product = await self._reader.product(product_id)
        elif slug is not None:
            product = await self._reader.product_by_slug(slug, language_code=language)
        else:
            raise ProductNotFound("Give a product id or a slug.")
        if product is None or not can_view_product(actor, product, now=self._clock.now()):
            raise ProductNotFound("No such product.")
        return product

    async def find_product(self, actor: Actor, product_id: int) -> Product | None:
        """Return a product the actor may see, or `None` (for `node` look-ups)."""
        product = await self._reader.product(product_id)
        visible = product is not None and can_view_product(actor, product, now=self._clock.now())
        return product if visible else None

    async def localize(self, product: Product, *, language_code: str) -> LocalizedText:
        """Return the product's shopper-facing text in a language, falling back field by field."""
        language = validate_language_code(language_code)
        return localize(product, await self._reader.translation(product.id, language), language_code=language)

    async def category_tree(self) -> CategoryTree:
        """Return the whole category tree (categories are public)."""
        return await self._reader.category_tree()

    async def browse_categories(self, *, parent_id: int | None = None, page: PageRequest) -> Page[Category]:
        """List categories under a parent (top level when `None`) in display order."""
        tree = await self._reader.category_tree()
        children = tree.children(parent_id)
        position = {c.id: index for index, c in enumerate(children)}
        start = 0
        if page.after:
            (after_id,) = decode_cursor(CATEGORIES_SCOPE, page.after, (int,))
            if after_id not in position:
                raise InvalidCursor("The cursor points at a category that is gone.", field="after")
            start = position[after_id] + 1
        rows = children[start : start + page.first + 1]
        return build_page(rows, request=page, scope=CATEGORIES_SCOPE, key=lambda c: (c.id,), total_count=len(children))

    async def get_category(self, *, category_id: int | None = None, slug: str | None = None) -> Category:
        """Return one category by id or slug."""
        tree = await self._reader.category_tree()
        found = tree.get(category_id) if category_id is not None else tree.by_slug(slug) if slug else None
        if found is None:
            raise CategoryNotFound("No such category.")
        return found

    async def update_product(
        self,
        actor: Actor,
        *,
        product_id: int,
        name: str | None = None,
        slug: str | None = None,
        description: str | None = None,
        category_id: int | None = None,
        is_published: bool | None = None,
    ) -> Product:
        """Change a product's text, category or publication (`None`: unchanged), in one transaction."""
        ensure_can_manage_catalog(actor)
        async with self._uow() as uow:
            product = await uow.products.get(product_id)
            if product is None:
                raise ProductNotFound("No such product.", field="id")
            changed = product.edit(
                name=name,
                slug=slug,
                description=description,
                category_id=category_id,
                is_published=is_published,
                at=self._clock.now(),
            )
            if changed.slug != product.slug and await uow.products.slug_taken(changed.slug, exclude_id=product_id):
                raise SlugTaken("Another product already uses this slug.", field="slug")
            if category_id is not None and await uow.categories.get(category_id) is None:
                raise CategoryNotFound("No such category.", field="categoryId")
            await uow.products.update(changed)
            uow.record(ProductUpdated(product_id=product_id))
            await uow.commit()
        return changed

    async def update_category(
        self,
        actor: Actor,
        *,
        category_id: int,
        name: str | None = None,
        slug: str | None = None,
        description: str | None = None,
    ) -> Category:
        """Change a category's name, slug or description (`None`: unchanged), in one transaction."""
        ensure_can_manage_catalog(actor)
        async with self._uow() as uow:
            category = await uow.categories.get(category_id)
            if category is None:
                raise CategoryNotFound("No such category.", field="id")
            changed = category.edit(name=name, slug=slug, description=description)
            if changed.slug != category.slug and await uow.categories.slug_taken(changed.slug, exclude_id=category_id):
                raise SlugTaken("Another category already uses this slug.", field="slug")
            await uow.categories.update(changed)
            uow.record(CategoryUpdated(category_id=category_id))
            await uow.commit()
        return changed

    async def update_variant(
        self, actor: Actor, *, variant_id: int, name: str | None = None, sku: str | None = None
    ) -> ProductVariant:
        """Change a variant's name or SKU (`None`: unchanged), in one transaction; the SKU stays searchable."""
        ensure_can_manage_catalog(actor)
        async with self._uow() as uow:
            variant = await uow.variants.get(variant_id)
            if variant is None:
                raise VariantNotFound("No such variant.", field="id")
            changed = variant.edit(name=name, sku=sku)
            if changed.sku != variant.sku and await uow.variants.sku_taken(changed.sku, exclude_id=variant_id):
                raise SkuTaken("Another variant already uses this SKU.", field="sku")
            await uow.variants.update(changed)
            uow.record(VariantUpdated(product_id=changed.product_id, variant_id=variant_id))
            await uow.commit()
        return changed
