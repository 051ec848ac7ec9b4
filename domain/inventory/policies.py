"""Who may change stock."""

from __future__ import annotations

from domain.shared.actor import Actor, Permission
from domain.shared.errors import PermissionDenied


def ensure_can_manage_inventory(actor: Actor) -> None:
    """Refuse an actor that may not change stock levels."""
    if not actor.has(Permission.MANAGE_INVENTORY):
        raise PermissionDenied("You may not change stock levels.")
