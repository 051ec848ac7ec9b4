"""Keyset pagination: page requests, opaque cursors, and turning fetched rows into a page."""

from __future__ import annotations

import base64
import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.shared.pagination import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    CursorKey,
    InvalidCursor,
    InvalidPageSize,
    PageRequest,
    build_page,
    decode_cursor,
    encode_cursor,
)

SCOPE = "products:id"

# Realistic keys: ids and sort values such as names (at most 250 characters).
key_values = st.one_of(st.integers(min_value=-(10**18), max_value=10**18), st.text(max_size=250))


def cursor_of(payload: object) -> str:
    """Encode any JSON value the way `encode_cursor` encodes its list."""
    raw = json.dumps(payload).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def shape_of(key: CursorKey) -> tuple[type[str] | type[int], ...]:
    return tuple(str if isinstance(value, str) else int for value in key)


@given(st.text(max_size=40), st.lists(key_values, max_size=4).map(tuple))
def test_a_cursor_decodes_to_the_key_it_encodes(scope: str, key: CursorKey) -> None:
    cursor = encode_cursor(scope, key)

    assert decode_cursor(scope, cursor, shape_of(key)) == key


@given(st.text(max_size=40), st.lists(key_values, max_size=4).map(tuple))
def test_a_cursor_is_url_safe_and_unpadded(scope: str, key: CursorKey) -> None:
    assert re.fullmatch(r"[A-Za-z0-9_-]*", encode_cursor(scope, key))


def test_a_cursor_is_deterministic() -> None:
    assert encode_cursor(SCOPE, (42,)) == encode_cursor(SCOPE, (42,))
    assert encode_cursor(SCOPE, (42,)) != encode_cursor(SCOPE, (43,))


@pytest.mark.parametrize(
    "cursor",
    [
        pytest.param("", id="empty"),
        pytest.param("!!!!", id="not-base64"),
        pytest.param("a", id="impossible-length"),
        pytest.param("abcde", id="one-more-than-a-multiple-of-four"),
        pytest.param("not a cursor at all", id="words"),
        pytest.param("é", id="non-ascii"),
        pytest.param("\x00\x01", id="control-characters"),
        pytest.param(base64.urlsafe_b64encode(b"\xff\xfe\xfd\xfc\xfb").decode(), id="not-utf8"),
        pytest.param(base64.urlsafe_b64encode(b"[1,").decode(), id="truncated-json"),
        pytest.param(base64.urlsafe_b64encode(b"NaN").decode(), id="json-nan"),
    ],
)
def test_a_malformed_cursor_is_refused(cursor: str) -> None:
    with pytest.raises(InvalidCursor) as raised:
        decode_cursor(SCOPE, cursor, (int,))

    assert raised.value.field == "after"
    assert raised.value.code == "INVALID_CURSOR"


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(None, id="null"),
        pytest.param(True, id="true"),
        pytest.param(False, id="false"),
        pytest.param(7, id="number"),
        pytest.param(SCOPE, id="bare-string"),
        pytest.param({"scope": SCOPE, "id": 1}, id="object"),
        pytest.param([], id="empty-list"),
        pytest.param([SCOPE], id="too-few"),
        pytest.param([SCOPE, 1, 2], id="too-many"),
        pytest.param([SCOPE, "1"], id="string-for-int"),
        pytest.param([SCOPE, 1.5], id="float-for-int"),
        pytest.param([SCOPE, 1.0], id="integral-float-for-int"),
        pytest.param([SCOPE, True], id="bool-for-int"),
        pytest.param([SCOPE, False], id="false-for-int"),
        pytest.param([SCOPE, None], id="null-for-int"),
        pytest.param([SCOPE, [1]], id="list-for-int"),
        pytest.param([SCOPE, {"id": 1}], id="object-for-int"),
        pytest.param([1, 1], id="scope-not-a-string"),
        pytest.param([None, 1], id="scope-null"),
        pytest.param([[SCOPE], 1], id="scope-in-a-list"),
    ],
)
def test_a_cursor_of_the_wrong_shape_is_refused(payload: object) -> None:
    with pytest.raises(InvalidCursor):
        decode_cursor(SCOPE, cursor_of(payload), (int,))


def test_a_cursor_with_a_bool_where_the_shape_wants_a_string_is_refused() -> None:
    with pytest.raises(InvalidCursor):
        decode_cursor(SCOPE, cursor_of([SCOPE, "a", True]), (str, int))


def test_a_cursor_of_another_scope_is_refused() -> None:
    cursor = encode_cursor("categories:tree", (1,))

    with pytest.raises(InvalidCursor) as raised:
        decode_cursor(SCOPE, cursor, (int,))

    assert raised.value.field == "after"


def test_a_cursor_of_another_sort_is_refused() -> None:
    cursor = encode_cursor("products:price", ("9.99", 1))

    with pytest.raises(InvalidCursor):
        decode_cursor(SCOPE, cursor, (int,))


@given(st.text())
def test_random_text_never_raises_anything_but_invalid_cursor(cursor: str) -> None:
    try:
        key = decode_cursor(SCOPE, cursor, (int,))
    except InvalidCursor:
        return
    assert len(key) == 1
    assert type(key[0]) is int


@given(st.binary())
def test_random_bytes_never_raise_anything_but_invalid_cursor(raw: bytes) -> None:
    cursor = base64.urlsafe_b64encode(raw).decode()
    try:
        key = decode_cursor(SCOPE, cursor, (int,))
    except InvalidCursor:
        return
    assert len(key) == 1
    assert type(key[0]) is int


def test_a_deeply_nested_cursor_is_refused_as_invalid() -> None:
    # given a short, client-supplied cursor of ten thousand nested JSON arrays
    cursor = base64.urlsafe_b64encode(b"[" * 10_000).decode()

    # then it is refused like any other malformed cursor
    with pytest.raises(InvalidCursor):
        decode_cursor(SCOPE, cursor, (int,))


def test_page_request_defaults() -> None:
    request = PageRequest()

    assert request.first == DEFAULT_PAGE_SIZE == 24
    assert request.after is None


@pytest.mark.parametrize("first", [0, 1, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE])
def test_page_request_accepts_sizes_from_zero_to_the_limit(first: int) -> None:
    assert PageRequest(first=first).first == first


@pytest.mark.parametrize("first", [-1, -100, MAX_PAGE_SIZE + 1, 1_000_000])
def test_page_request_refuses_sizes_outside_zero_to_the_limit(first: int) -> None:
    with pytest.raises(InvalidPageSize) as raised:
        PageRequest(first=first)

    assert raised.value.field == "first"
    assert raised.value.code == "INVALID_PAGE_SIZE"


def test_build_page_with_the_extra_row_has_a_next_page() -> None:
    # given first + 1 fetched rows
    page = build_page([1, 2, 3, 4], request=PageRequest(first=3), scope=SCOPE, key=lambda n: (n,), total_count=10)

    # then the page holds `first` of them and says there is more
    assert list(page.items) == [1, 2, 3]
    assert page.has_next_page is True
    assert page.has_previous_page is False
    assert page.total_count == 10


@pytest.mark.parametrize("rows", [[1, 2, 3], [1, 2], []])
def test_build_page_without_the_extra_row_has_no_next_page(rows: list[int]) -> None:
    page = build_page(rows, request=PageRequest(first=3), scope=SCOPE, key=lambda n: (n,), total_count=len(rows))

    assert list(page.items) == rows
    assert page.has_next_page is False


def test_build_page_of_size_zero_only_tells_whether_rows_exist() -> None:
    full = build_page([1], request=PageRequest(first=0), scope=SCOPE, key=lambda n: (n,), total_count=5)
    no_rows: list[int] = []
    empty = build_page(no_rows, request=PageRequest(first=0), scope=SCOPE, key=lambda n: (n,), total_count=0)

    assert list(full.items) == []
    assert full.has_next_page is True
    assert empty.has_next_page is False


def test_build_page_has_a_previous_page_after_a_cursor() -> None:
    after = encode_cursor(SCOPE, (3,))

    page = build_page([4, 5], request=PageRequest(first=2, after=after), scope=SCOPE, key=lambda n: (n,), total_count=5)

    assert page.has_previous_page is True


def test_build_page_gives_each_item_the_cursor_of_its_key() -> None:
    page = build_page([10, 20, 30], request=PageRequest(first=2), scope=SCOPE, key=lambda n: (n,), total_count=3)

    assert list(page.cursors) == [encode_cursor(SCOPE, (10,)), encode_cursor(SCOPE, (20,))]
    assert [decode_cursor(SCOPE, c, (int,)) for c in page.cursors] == [(10,), (20,)]


def test_a_pages_cursors_read_as_a_list_of_them_does() -> None:
    """The cursors are encoded as they are read; as a sequence they are the list of encoded cursors."""
    page = build_page([10, 20, 30, 40], request=PageRequest(first=3), scope=SCOPE, key=lambda n: (n,), total_count=4)
    encoded = [encode_cursor(SCOPE, (n,)) for n in (10, 20, 30)]

    assert len(page.cursors) == 3
    assert page.cursors[0] == encoded[0]
    assert page.cursors[-1] == encoded[-1]
    assert page.cursors[1:] == encoded[1:]
    assert page.cursors == encoded
    assert page.cursors != encoded[:2]
    assert list(reversed(page.cursors)) == encoded[::-1]
    assert encoded[1] in page.cursors
    with pytest.raises(IndexError):
        page.cursors[3]


def test_an_absurdly_long_cursor_is_refused_before_decoding() -> None:
    with pytest.raises(InvalidCursor):
        decode_cursor("products:id", "A" * 5000, (int,))
