"""Keyset pagination: page requests, pages and the opaque cursors that point into them.

A cursor names the listing it belongs to (its *scope*: the collection and the sort) and the sort key of the
last item seen. Decoding checks both, so a cursor from another listing or another sort is refused with a stable
code instead of silently returning the wrong page.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar, overload

from domain.shared.errors import DomainError

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 24
MAX_PAGE_SIZE = 100

# Our cursors are a few dozen characters; anything far longer is not one of ours.
MAX_CURSOR_LENGTH = 8192

CursorValue = str | int
CursorKey = tuple[CursorValue, ...]


class InvalidCursor(DomainError):
    """A cursor is malformed or belongs to another listing."""

    code = "INVALID_CURSOR"


class InvalidPageSize(DomainError):
    """A page size is negative or above the limit."""

    code = "INVALID_PAGE_SIZE"


@dataclass(frozen=True, slots=True)
class PageRequest:
    """Ask for at most `first` items after the cursor `after` (forward pagination)."""

    first: int = DEFAULT_PAGE_SIZE
    after: str | None = None
    count_total: bool = True  # counting a large listing costs a scan: skip it when nobody reads the total

    def __post_init__(self) -> None:
        if not 0 <= self.first <= MAX_PAGE_SIZE:
            raise InvalidPageSize(f"first must be between 0 and {MAX_PAGE_SIZE}.", field="first")


class Cursors(Sequence[str]):
    """A page's cursors, each encoded when it is read: a listing's client usually reads one (`endCursor`), not
    one per item."""

    __slots__ = ("_keys", "_scope")

    def __init__(self, scope: str, keys: Sequence[CursorKey]) -> None:
        self._scope = scope
        self._keys = keys

    def __len__(self) -> int:
        return len(self._keys)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...

    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        if isinstance(index, slice):
            return [encode_cursor(self._scope, key) for key in self._keys[index]]
        return encode_cursor(self._scope, self._keys[index])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]  # like a list: equal to other sequences, so not hashable

    def __repr__(self) -> str:
        return f"Cursors({list(self)!r})"


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a listing, with a cursor per item (`Cursors`, encoded as they are read, or any sequence)."""

    items: Sequence[T]
    cursors: Sequence[str]
    has_next_page: bool
    has_previous_page: bool
    total_count: int | None


def encode_cursor(scope: str, key: CursorKey) -> str:
    """Return the opaque cursor for the item with sort key `key` in listing `scope`."""
    raw = json.dumps([scope, *key], separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(scope: str, cursor: str, shape: tuple[type[str] | type[int], ...]) -> CursorKey:
    """Return the sort key inside `cursor`, refusing one of another listing or of another shape."""
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise InvalidCursor("The cursor is malformed.", field="after")
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        decoded = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError, RecursionError) as exc:
        raise InvalidCursor("The cursor is malformed.", field="after") from exc
    if not isinstance(decoded, list) or not decoded or decoded[0] != scope:
        raise InvalidCursor("The cursor belongs to another listing.", field="after")
    key = tuple(decoded[1:])
    if len(key) != len(shape) or not all(
        isinstance(v, t) and not isinstance(v, bool) for v, t in zip(key, shape, strict=True)
    ):
        raise InvalidCursor("The cursor is malformed.", field="after")
    return key


def build_page(
    rows: Sequence[T],
    *,
    request: PageRequest,
    scope: str,
    key: Callable[[T], CursorKey],
    total_count: int | None,
) -> Page[T]:
    """Turn `first + 1` fetched rows into a page (the extra row only tells that a next page exists)."""
    items = rows[: request.first]
    return Page(
        items=items,
        cursors=Cursors(scope, [key(item) for item in items]),
        has_next_page=len(rows) > request.first,
        has_previous_page=request.after is not None,
        total_count=total_count,
    )
