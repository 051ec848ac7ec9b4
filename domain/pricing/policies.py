"""Who may change prices and promotions."""

from __future__ import annotations

from domain.shared.actor import Actor, Permission
from domain.shared.errors import PermissionDenied


def ensure_can_manage_pricing(actor: Actor) -> None:
    """Refuse an actor that may not change prices or promotions."""
    if not actor.has(Permission.MANAGE_PRICING):
        raise PermissionDenied("You may not change prices or promotions.")
