"""Who may see and change what in the catalog."""

from __future__ import annotations

from datetime import datetime

from domain.catalog.model import Product
from domain.shared.actor import Actor, Permission
from domain.shared.errors import PermissionDenied


def sees_unpublished(actor: Actor) -> bool:
    """Staff who manage the catalog see drafts; shoppers see published products only."""
    return actor.has(Permission.MANAGE_CATALOG)


def can_view_product(actor: Actor, product: Product, *, now: datetime) -> bool:
    """Tell whether the actor may see this product now (staff also see drafts and scheduled products)."""
    return product.is_visible_at(now) or sees_unpublished(actor)


def ensure_can_manage_catalog(actor: Actor) -> None:
    """Refuse an actor that may not change the catalog."""
    if not actor.has(Permission.MANAGE_CATALOG):
        raise PermissionDenied("You may not change the catalog.")
