"""`Actor`: who is asking. Every service takes one explicitly, so policies hold for API, worker and CLI alike."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ActorKind(StrEnum):
    ANONYMOUS = "anonymous"
    CUSTOMER = "customer"
    STAFF = "staff"
    SYSTEM = "system"


class Permission(StrEnum):
    MANAGE_CATALOG = "manage_catalog"
    MANAGE_INVENTORY = "manage_inventory"
    MANAGE_PRICING = "manage_pricing"


@dataclass(frozen=True, slots=True)
class Actor:
    """The caller of a use case, with the permissions it was granted."""

    kind: ActorKind
    id: str | None = None
    permissions: frozenset[Permission] = field(default_factory=frozenset)

    def has(self, permission: Permission) -> bool:
        """Tell whether the actor holds a permission."""
        return permission in self.permissions

    @property
    def is_staff(self) -> bool:
        return self.kind in (ActorKind.STAFF, ActorKind.SYSTEM)


ANONYMOUS = Actor(ActorKind.ANONYMOUS)
SYSTEM = Actor(ActorKind.SYSTEM, id="system", permissions=frozenset(Permission))


def staff(actor_id: str) -> Actor:
    """Return a staff actor with every staff permission (roles arrive with the identity area)."""
    return Actor(ActorKind.STAFF, id=actor_id, permissions=frozenset(Permission))
