"""`now_or_later`: a field resolves at once when its value is already loaded, and waits only when it is not."""

from __future__ import annotations

import asyncio
import inspect

import pytest

from schema.types.catalog import now_or_later


async def test_a_loaded_value_is_built_at_once() -> None:
    loaded: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    loaded.set_result(20)

    result = now_or_later(loaded, lambda n: n + 1)

    assert result == 21  # a plain value: graphql-core completes it without a task


async def test_a_pending_value_is_awaited() -> None:
    pending: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    result = now_or_later(pending, lambda n: n + 1)
    pending.set_result(1)

    assert inspect.isawaitable(result)
    assert await result == 2  # awaitable at run time, as graphql-core sees it


async def test_a_failed_load_fails_where_it_is_awaited() -> None:
    failed: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    failed.set_exception(LookupError("no such channel"))

    result = now_or_later(failed, lambda n: n + 1)

    with pytest.raises(LookupError):
        await result  # type: ignore[misc]
