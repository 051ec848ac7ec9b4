"""The catalog's error tree."""

from __future__ import annotations

from domain.shared.errors import DomainError, InvalidInput, NotFound


class CatalogError(DomainError):
    code = "CATALOG_ERROR"


class ProductNotFound(NotFound, CatalogError):
    code = "PRODUCT_NOT_FOUND"


class CategoryNotFound(NotFound, CatalogError):
    code = "CATEGORY_NOT_FOUND"


class InvalidProductName(InvalidInput, CatalogError):
    code = "INVALID_NAME"


class InvalidSlug(InvalidInput, CatalogError):
    code = "INVALID_SLUG"


class SlugTaken(CatalogError):
    code = "SLUG_TAKEN"


class InvalidSort(InvalidInput, CatalogError):
    code = "INVALID_SORT"


class InvalidLanguageCode(InvalidInput, CatalogError):
    code = "INVALID_LANGUAGE_CODE"


class ChannelRequired(InvalidInput, CatalogError):
    code = "CHANNEL_REQUIRED"


class UnknownChannel(NotFound, CatalogError):
    code = "UNKNOWN_CHANNEL"


class VariantNotFound(NotFound, CatalogError):
    code = "VARIANT_NOT_FOUND"


class InvalidSku(InvalidInput, CatalogError):
    code = "INVALID_SKU"


class SkuTaken(CatalogError):
    code = "SKU_TAKEN"
