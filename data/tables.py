"""SQLAlchemy models: the storage shape, kept separate from the domain's classes."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, MetaData, String, Table, Text, UniqueConstraint
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
        Index("ix_products_category_id_id", "category_id", "id"),
        Index("ix_products_is_published_id", "is_published", "id"),
        Index("ix_products_sort_name_id", "sort_name", "id"),
        Index("ix_products_created_at_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(250))
    # `domain.catalog.model.sort_name(name)`, byte-ordered on both databases so listings sort identically.
    sort_name: Mapped[str] = mapped_column(SORTABLE_TEXT)
    slug: Mapped[str] = mapped_column(String(255), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    # Name, description and SKUs, for full-text search (`data.catalog_search` keeps it and its index current).
    search_document: Mapped[str] = mapped_column(Text, default="")
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id", ondelete="SET NULL"))
    is_published: Mapped[bool] = mapped_column(Boolean, default=True)
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
    price_amount: Mapped[Decimal] = mapped_column(Amount())
    price_currency: Mapped[str] = mapped_column(String(3))
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


class SearchTermRow(Base):
    """Words the catalogue knows (from names and SKUs), for correcting typos in searches."""

    __tablename__ = "search_terms"

    term: Mapped[str] = mapped_column(SEARCH_TERM, primary_key=True)


# Core handles on the tables, for the SQL-expression queries the data layer writes.
categories = cast(Table, CategoryRow.__table__)
products = cast(Table, ProductRow.__table__)
variants = cast(Table, VariantRow.__table__)
images = cast(Table, ImageRow.__table__)
stock = cast(Table, StockRow.__table__)
search_terms = cast(Table, SearchTermRow.__table__)
translations = cast(Table, ProductTranslationRow.__table__)
