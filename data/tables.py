"""SQLAlchemy models: the storage shape, kept separate from the domain's classes."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from data.types import Amount, UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


SORTABLE_TEXT = String(250).with_variant(String(250, collation="C"), "postgresql")
SEARCH_TERM = String(100).with_variant(String(100, collation="C"), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class CategoryRow(Base):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(250))
    slug: Mapped[str] = mapped_column(String(255), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)


class ProductRow(Base):
    __tablename__ = "products"
    __table_args__ = (
        # Covering on PostgreSQL: counts and facets of a category subtree are index-only scans.
        Index(
            "ix_products_category_id_id",
            "category_id",
            "id",
            postgresql_include=["is_published", "published_at", "in_stock"],
        ),
        Index("ix_products_is_published_id", "is_published", "id"),
        Index("ix_products_sort_name_id", "sort_name", "id"),
        Index("ix_products_created_at_id", "created_at", "id"),
        # The few products out of stock, for `inStock: false` listings (the planner matches `NOT in_stock` exactly).
        Index(
            "ix_products_out_of_stock",
            "category_id",
            "id",
            postgresql_where=text("NOT in_stock"),
            sqlite_where=text("NOT in_stock"),
        ),
        # Name sorts inside a category walk this instead of filtering the catalogue-wide name index.
        Index("ix_products_category_id_sort_name_id", "category_id", "sort_name", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(250))
    # `domain.catalog.model.sort_name(name)`, byte-ordered on both databases so listings sort identically.
    sort_name: Mapped[str] = mapped_column(SORTABLE_TEXT)
    slug: Mapped[str] = mapped_column(String(255), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    # Name, description and SKUs, for full-text search (`data.catalog_search` keeps it and its index current).
    search_document: Mapped[str] = mapped_column(Text, default="")
    # The name's words as searches fold them, between spaces (" brulee creme tote "), kept with the search document:
    # whether each searched word begins a word of the name is a `LIKE '% word%'` on the row (`data.catalog_search`).
    name_words: Mapped[str] = mapped_column(Text, default="", server_default="")
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id", ondelete="SET NULL"))
    is_published: Mapped[bool] = mapped_column(Boolean, default=True)
    # Whether a variant has stock to sell, kept by `data.catalog_sql.refresh_availability` with every stock write,
    # so that `inStock` filters on a column instead of probing every product's variants.
    in_stock: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    tax_class: Mapped[str] = mapped_column(String(16), default="standard")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    seo_title: Mapped[str | None] = mapped_column(String(250))
    seo_description: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class VariantRow(Base):
    __tablename__ = "product_variants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(250))
    options: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(Integer, default=0)


class ImageRow(Base):
    __tablename__ = "product_images"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(1000))
    alt: Mapped[str] = mapped_column(String(250), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)


class StockRow(Base):
    __tablename__ = "stock_levels"

    variant_id: Mapped[int] = mapped_column(ForeignKey("product_variants.id", ondelete="CASCADE"), primary_key=True)
    quantity_on_hand: Mapped[int] = mapped_column(Integer, default=0)
    quantity_allocated: Mapped[int] = mapped_column(Integer, default=0)


class ProductTranslationRow(Base):
    """A product's shopper-facing text in another language; empty fields fall back to the default language."""

    __tablename__ = "product_translations"
    __table_args__ = (UniqueConstraint("language_code", "slug", name="uq_product_translations_language_code_slug"),)

    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), primary_key=True)
    language_code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(250))
    slug: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str | None] = mapped_column(Text)
    seo_title: Mapped[str | None] = mapped_column(String(250))
    seo_description: Mapped[str | None] = mapped_column(String(500))


class ChannelRow(Base):
    """Where a storefront sells: its currency, default country, and whether prices include tax."""

    __tablename__ = "channels"

    slug: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    currency: Mapped[str] = mapped_column(String(3))
    default_country: Mapped[str] = mapped_column(String(2))
    prices_include_tax: Mapped[bool] = mapped_column(Boolean)
    position: Mapped[int] = mapped_column(Integer, default=0)


class ChannelPriceRow(Base):
    """A variant's price in a channel (in the channel's currency); a channel sells what it has a price for."""

    __tablename__ = "channel_prices"
    __table_args__ = (Index("ix_channel_prices_channel_slug_variant_id", "channel_slug", "variant_id"),)

    variant_id: Mapped[int] = mapped_column(ForeignKey("product_variants.id", ondelete="CASCADE"), primary_key=True)
    channel_slug: Mapped[str] = mapped_column(ForeignKey("channels.slug", ondelete="CASCADE"), primary_key=True)
    amount: Mapped[Decimal] = mapped_column(Amount())
    compare_at: Mapped[Decimal | None] = mapped_column(Amount())


class TaxRateRow(Base):
    """The built-in tax table: a rate (percent) per country and tax class."""

    __tablename__ = "tax_rates"

    country: Mapped[str] = mapped_column(String(2), primary_key=True)
    tax_class: Mapped[str] = mapped_column(String(16), primary_key=True)
    rate: Mapped[Decimal] = mapped_column(Amount())


class CataloguePromotionRow(Base):
    """A sale on catalogue prices: reward, targets, channels, schedule, priority and stacking."""

    __tablename__ = "catalogue_promotions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(250))
    reward_kind: Mapped[str] = mapped_column(String(16))  # "percentage" or "fixed"
    reward_value: Mapped[Decimal] = mapped_column(Amount())
    reward_currency: Mapped[str | None] = mapped_column(String(3))
    channels: Mapped[list[str]] = mapped_column(JSON)
    # {"product_ids": [...], "variant_ids": [...], "category_ids": [...], "collection_ids": [...]}; null: all
    target: Mapped[dict[str, list[int]] | None] = mapped_column(JSON)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    priority: Mapped[int] = mapped_column(Integer, default=0)
    stackable: Mapped[bool] = mapped_column(Boolean, default=False)


class SearchTermRow(Base):
    """Words the catalogue knows (from names and SKUs), for correcting typos in searches."""

    __tablename__ = "search_terms"

    term: Mapped[str] = mapped_column(SEARCH_TERM, primary_key=True)


class ProductNameWordRow(Base):
    """Each word of a product's name beside its sort name: the products whose name has a word starting with what a
    shopper typed, in name order, read from the primary key without ranking every match (`data.catalog_search`)."""

    __tablename__ = "product_name_words"

    # Folded as searches are (`domain.catalog.search.words`), cut to a search's longest word.
    word: Mapped[str] = mapped_column(SEARCH_TERM, primary_key=True)
    sort_name: Mapped[str] = mapped_column(SORTABLE_TEXT, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), primary_key=True, index=True)


# Core handles on the tables, for the SQL-expression queries the data layer writes.
categories = cast(Table, CategoryRow.__table__)
products = cast(Table, ProductRow.__table__)
variants = cast(Table, VariantRow.__table__)
images = cast(Table, ImageRow.__table__)
stock = cast(Table, StockRow.__table__)
search_terms = cast(Table, SearchTermRow.__table__)
product_name_words = cast(Table, ProductNameWordRow.__table__)
translations = cast(Table, ProductTranslationRow.__table__)
channels = cast(Table, ChannelRow.__table__)
channel_prices = cast(Table, ChannelPriceRow.__table__)
tax_rates = cast(Table, TaxRateRow.__table__)
catalogue_promotions = cast(Table, CataloguePromotionRow.__table__)


class AttributeRow(Base):
    """A typed product property shoppers filter by: text, number, boolean or choice."""

    __tablename__ = "attributes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))
    unit: Mapped[str | None] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(Integer, default=0)


class AttributeChoiceRow(Base):
    __tablename__ = "attribute_choices"
    __table_args__ = (UniqueConstraint("attribute_id", "slug", name="uq_attribute_choices_attribute_id_slug"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attribute_id: Mapped[int] = mapped_column(ForeignKey("attributes.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer, default=0)


class ProductAttributeRow(Base):
    """One value of an attribute on a product (a choice attribute may hold several)."""

    __tablename__ = "product_attributes"
    __table_args__ = (
        Index("ix_product_attributes_attribute_id_choice_id_product_id", "attribute_id", "choice_id", "product_id"),
        Index("ix_product_attributes_attribute_id_number_value", "attribute_id", "number_value"),
        Index("ix_product_attributes_product_id", "product_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    attribute_id: Mapped[int] = mapped_column(ForeignKey("attributes.id", ondelete="CASCADE"))
    choice_id: Mapped[int | None] = mapped_column(ForeignKey("attribute_choices.id", ondelete="CASCADE"))
    number_value: Mapped[Decimal | None] = mapped_column(Amount())
    boolean_value: Mapped[bool | None] = mapped_column(Boolean)
    text_value: Mapped[str | None] = mapped_column(String(250))


# `prices_valid_until` of a row whose stored prices are missing or out of date, and of one that holds for good.
PRICES_STALE = datetime(1970, 1, 1, tzinfo=UTC)
PRICES_FOREVER = datetime(9999, 12, 31, tzinfo=UTC)


class ProductChannelListingRow(Base):
    """A product's lowest entered price in a channel, kept with its prices, so listings filter and sort by it.

    Beside it, the product's price summary in the channel as the engine computed it, before tax
    (`domain.pricing.summary.StoredPrices`), used by listings while `prices_valid_until` is in the future.
    A write that changes the product's prices (or what the engine makes of them) sets it to `PRICES_STALE`; the
    price refresher (`app/pricing_refresher.py`) computes it again."""

    __tablename__ = "product_channel_listings"
    __table_args__ = (
        Index(
            "ix_product_channel_listings_channel_slug_min_price_product_id", "channel_slug", "min_price", "product_id"
        ),
        Index("ix_product_channel_listings_prices_valid_until", "prices_valid_until"),
    )

    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), primary_key=True)
    channel_slug: Mapped[str] = mapped_column(ForeignKey("channels.slug", ondelete="CASCADE"), primary_key=True)
    min_price: Mapped[Decimal] = mapped_column(Amount())
    price_start: Mapped[Decimal | None] = mapped_column(Amount())
    price_stop: Mapped[Decimal | None] = mapped_column(Amount())
    undiscounted_start: Mapped[Decimal | None] = mapped_column(Amount())
    undiscounted_stop: Mapped[Decimal | None] = mapped_column(Amount())
    max_discount: Mapped[Decimal | None] = mapped_column(Amount())
    on_sale: Mapped[bool | None] = mapped_column(Boolean)
    prices_valid_until: Mapped[datetime] = mapped_column(
        UTCDateTime(), server_default=text(f"'{PRICES_STALE:%Y-%m-%d %H:%M:%S}+00'")
    )


class CollectionRow(Base):
    """A named group of products: picked by hand (`manual`) or defined by a rule (`rule`)."""

    __tablename__ = "collections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str] = mapped_column(String(250))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(16))
    # For rule collections: {"created_within_days": 30} and/or {"max_price": "20.00", "channel": "us"}.
    rule: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    position: Mapped[int] = mapped_column(Integer, default=0)


class CollectionProductRow(Base):
    __tablename__ = "collection_products"
    __table_args__ = (Index("ix_collection_products_product_id", "product_id"),)

    collection_id: Mapped[int] = mapped_column(ForeignKey("collections.id", ondelete="CASCADE"), primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


attributes = cast(Table, AttributeRow.__table__)
attribute_choices = cast(Table, AttributeChoiceRow.__table__)
product_attributes = cast(Table, ProductAttributeRow.__table__)
product_channel_listings = cast(Table, ProductChannelListingRow.__table__)
collections = cast(Table, CollectionRow.__table__)
collection_products = cast(Table, CollectionProductRow.__table__)
