"""Collections: products picked by hand, or defined by a rule ("new this month", "under 20")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from domain.catalog.errors import CatalogError
from domain.shared.errors import NotFound


class CollectionNotFound(NotFound, CatalogError):
    code = "COLLECTION_NOT_FOUND"


class CollectionKind(StrEnum):
    MANUAL = "manual"
    RULE = "rule"


@dataclass(frozen=True, slots=True)
class CollectionRule:
    """A saved filter: products created in the last N days, and/or with a price at most X in a channel."""

    created_within_days: int | None = None
    max_price: Decimal | None = None
    channel: str | None = None

    def created_after(self, now: datetime) -> datetime | None:
        return None if self.created_within_days is None else now - timedelta(days=self.created_within_days)


@dataclass(frozen=True, slots=True)
class Collection:
    id: int
    slug: str
    name: str
    description: str
    kind: CollectionKind
    rule: CollectionRule | None
    position: int
