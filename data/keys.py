"""Every cache key Vitrine writes, in one place: readers fill them, units of work invalidate them."""

from __future__ import annotations

# Bump when a cached value's encoding changes, so old processes' entries are simply never read.
# The Redis namespace (`VITRINE_REDIS_NAMESPACE`) is prepended by the cache itself.
PREFIX = "v7:"


def product(product_id: int) -> str:
    return f"{PREFIX}product:{product_id}"


def product_slug(slug: str) -> str:
    return f"{PREFIX}product-slug:{slug}"


def variants(product_id: int) -> str:
    return f"{PREFIX}variants:{product_id}"


def images(product_id: int) -> str:
    return f"{PREFIX}images:{product_id}"


def stock(variant_id: int) -> str:
    return f"{PREFIX}stock:{variant_id}"


def category_tree() -> str:
    return f"{PREFIX}category-tree"


def translation(product_id: int, language_code: str) -> str:
    return f"{PREFIX}translation:{product_id}:{language_code}"


def translated_slug(language_code: str, slug: str) -> str:
    return f"{PREFIX}translated-slug:{language_code}:{slug}"


def channels() -> str:
    return f"{PREFIX}channels"


def price_rows(product_id: int, channel: str) -> str:
    return f"{PREFIX}price-rows:{product_id}:{channel}"


def promotions() -> str:
    return f"{PREFIX}catalogue-promotions"


def tax_rates() -> str:
    return f"{PREFIX}tax-rates"


def attributes() -> str:
    return f"{PREFIX}attributes"


def collections() -> str:
    return f"{PREFIX}collections"


def attribute_values(product_id: int) -> str:
    return f"{PREFIX}attribute-values:{product_id}"


def data_version(kind: str) -> str:
    """Changes on every committed write to a kind of data (`data.dependencies.DataKind`): whole cached responses
    are tied to the versions of the kinds they read."""
    return f"{PREFIX}data-version:{kind}"


def response(digest: str) -> str:
    return f"{PREFIX}response:{digest}"
