"""Relay conventions: opaque global IDs, the `Node` interface, cursor connections."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

import strawberry

from domain.shared.pagination import MAX_PAGE_SIZE, Page, PageRequest
from schema.context import Info
from schema.errors import InvalidId
from schema.types.selections import item_fields

T = TypeVar("T")
D = TypeVar("D")

FIRST_DESCRIPTION = f"How many items to return (at most {MAX_PAGE_SIZE})."
AFTER_DESCRIPTION = "Return the items after this cursor (from `pageInfo.endCursor`)."


def to_global_id(type_name: str, id_: int) -> str:
    """Return the opaque ID clients use for an object."""
    return base64.b64encode(f"{type_name}:{id_}".encode()).decode()


def parse_global_id(value: str) -> tuple[str, int]:
    """Return `(type name, database id)` from a global ID, refusing anything malformed."""
    try:
        decoded = base64.b64decode(value.encode("ascii"), validate=True).decode()
        type_name, _, raw_id = decoded.partition(":")
        id_ = int(raw_id)
    except (ValueError, binascii.Error, UnicodeError):
        raise InvalidId(f"{value!r} is not a valid ID.") from None
    if not type_name or id_ < 1 or raw_id != str(id_):
        raise InvalidId(f"{value!r} is not a valid ID.")
    return type_name, id_


def parse_id(value: str, expected: str) -> int:
    """Return the database id inside a global ID of the expected type."""
    type_name, id_ = parse_global_id(value)
    if type_name != expected:
        raise InvalidId(f"{value!r} is not the ID of a {expected}.")
    return id_


def page_request(first: int, after: str | None, info: Info | None = None) -> PageRequest:
    """Return the domain's page request; given `info`, count the total only when the query selects it."""
    return PageRequest(first=first, after=after, count_total=info is None or "totalCount" in item_fields(info))


@strawberry.interface(description="An object with a globally unique, opaque ID.")
class Node:
    id: strawberry.ID = strawberry.field(description="The object's global ID.")


@strawberry.type(description="Where a page sits in its listing.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="Whether more items follow this page.")
    has_previous_page: bool = strawberry.field(description="Whether items precede this page.")
    start_cursor: str | None = strawberry.field(description="The first item's cursor.")
    end_cursor: str | None = strawberry.field(description="The last item's cursor; pass it as `after`.")


def _edge_cursor(root: Edge[Any]) -> str:
    return root.cursors[root.index]


@strawberry.type(description="An item of a page, with its cursor.")
class Edge(Generic[T]):
    # The cursor is encoded only when asked for: listings rarely select it (they page with `endCursor`).
    cursor: str = strawberry.field(
        resolver=_edge_cursor, description="Where this item sits; pass it as `after` to continue."
    )
    node: T = strawberry.field(description="The item.")
    cursors: strawberry.Private[Sequence[str]]
    index: strawberry.Private[int]


@strawberry.type(description="A page of a listing.")
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The items with their cursors.")
    page_info: PageInfo = strawberry.field(description="Where this page sits.")
    total_count: int = strawberry.field(description="How many items the whole listing holds.")

    @strawberry.field(description="The items without their cursors.")
    def nodes(self) -> list[T]:
        return [edge.node for edge in self.edges]


def edges_of(page: Page[D], map_item: Callable[[D], T]) -> list[Edge[T]]:
    """Map a domain page's items onto edges with their cursors."""
    cursors = page.cursors
    return [Edge(cursors=cursors, index=index, node=map_item(item)) for index, item in enumerate(page.items)]


def page_info_of(page: Page[D]) -> PageInfo:
    """Return where a domain page sits."""
    cursors: Sequence[str] = page.cursors
    return PageInfo(
        has_next_page=page.has_next_page,
        has_previous_page=page.has_previous_page,
        start_cursor=cursors[0] if cursors else None,
        end_cursor=cursors[-1] if cursors else None,
    )


def to_connection(page: Page[D], map_item: Callable[[D], T]) -> Connection[T]:
    """Map a domain page onto a connection."""
    return Connection(edges=edges_of(page, map_item), page_info=page_info_of(page), total_count=page.total_count or 0)
