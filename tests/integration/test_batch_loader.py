"""`BatchLoader`: a page's keys loaded or primed in bulk, leaving the cache as `load` would."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from data.loaders import BatchLoader


class NotFound(Exception):
    pass


class Source:
    """A batch function (`load`) that records each call's keys; odd keys fail, key 13 fails the whole batch."""

    def __init__(self) -> None:
        self.calls: list[list[int]] = []

    async def load(self, keys: list[int]) -> list[str | Exception]:
        self.calls.append(list(keys))
        await asyncio.sleep(0)
        if 13 in keys:
            raise RuntimeError("the database is gone")
        return [NotFound(f"no {k}") if k % 2 else f"value {k}" for k in keys]


async def _load_during_prefetch(loader: BatchLoader[int, Any], keys: list[int], key: int) -> Any:
    """Load `key` while a prefetch of `keys` waits for its batch; return that load, once the prefetch is done."""
    prefetching = asyncio.ensure_future(loader.prefetch(keys))
    await asyncio.sleep(0)
    during = loader.load(key)
    await prefetching
    return during


async def test_prefetch_loads_the_missing_keys_in_one_call_and_loads_then_read_them() -> None:
    source = Source()
    loader = BatchLoader(source.load)
    loader.prime_many({2: "primed 2"})

    await loader.prefetch([2, 4, 6, 4])

    assert source.calls == [[4, 6]]
    assert [await loader.load(k) for k in (2, 4, 6)] == ["primed 2", "value 4", "value 6"]
    assert source.calls == [[4, 6]]


async def test_prefetch_of_cached_keys_calls_nothing() -> None:
    source = Source()
    loader = BatchLoader(source.load)
    await loader.load(2)

    await loader.prefetch([2])

    assert source.calls == [[2]]


async def test_an_error_for_one_key_fails_that_keys_load_only() -> None:
    loader = BatchLoader(Source().load)

    await loader.prefetch([2, 3])

    assert await loader.load(2) == "value 2"
    with pytest.raises(NotFound, match="no 3"):
        await loader.load(3)


async def test_a_failed_batch_is_not_cached_so_the_loads_that_follow_try_again() -> None:
    # As aiodataloader's own dispatch: a failed batch fails the loads waiting for it, and keeps nothing.
    source = Source()
    loader = BatchLoader(source.load)

    during = await _load_during_prefetch(loader, [12, 13], 12)

    with pytest.raises(RuntimeError, match="the database is gone"):
        await during
    assert await loader.load(12) == "value 12"
    with pytest.raises(RuntimeError, match="the database is gone"):
        await loader.load(13)
    assert source.calls == [[12, 13], [12], [13]]


async def test_a_batch_with_the_wrong_number_of_values_fails_the_loads_waiting_for_it() -> None:
    async def short(keys: list[int]) -> list[str]:
        await asyncio.sleep(0)
        return ["only one"]

    during = await _load_during_prefetch(BatchLoader(short), [1, 2], 2)

    with pytest.raises(TypeError, match="returned 1 values for 2 keys"):
        await during


async def test_a_load_during_a_prefetch_waits_for_it_rather_than_loading_again() -> None:
    source = Source()
    loader = BatchLoader(source.load)

    during = await _load_during_prefetch(loader, [2, 4], 4)

    assert await during == "value 4"
    assert source.calls == [[2, 4]]


async def test_keys_not_prefetched_are_still_batched_by_load() -> None:
    source = Source()
    loader = BatchLoader(source.load)
    await loader.prefetch([2])

    values = list(await asyncio.gather(loader.load(2), loader.load(8), loader.load(10)))

    assert values == ["value 2", "value 8", "value 10"]
    assert source.calls == [[2], [8, 10]]


async def test_prime_many_keeps_a_value_a_key_already_has() -> None:
    source = Source()
    loader = BatchLoader(source.load)
    await loader.load(2)

    loader.prime_many({2: "other", 4: "primed 4"})

    assert await loader.load(2) == "value 2"
    assert await loader.load(4) == "primed 4"
    assert source.calls == [[2]]


async def test_settles_of_one_turn_share_one_batch_and_leave_their_values_loaded() -> None:
    source = Source()
    loader = BatchLoader(source.load)

    await asyncio.gather(loader.settle([2, 4]), loader.settle([4, 6]), loader.settle([]))

    assert source.calls == [[2, 4, 6]]
    assert all(loader.load(k).done() for k in (2, 4, 6))
    assert [loader.load(k).result() for k in (2, 4, 6)] == ["value 2", "value 4", "value 6"]


async def test_settle_leaves_errors_as_load_leaves_them() -> None:
    source = Source()
    loader = BatchLoader(source.load)

    await loader.settle([2, 3])
    await loader.settle([12, 13])

    assert await loader.load(2) == "value 2"
    with pytest.raises(NotFound, match="no 3"):
        await loader.load(3)  # a key's own error is kept
    assert await loader.load(12) == "value 12"  # a failed batch is not: loaded again
    assert source.calls == [[2, 3], [12, 13], [12]]


async def test_prime_many_caches_an_exception_as_the_keys_error_as_prime_does() -> None:
    source = Source()
    loader: BatchLoader[int, Any] = BatchLoader(source.load)

    loader.prime_many({2: NotFound("primed as missing")})

    with pytest.raises(NotFound, match="primed as missing"):
        await loader.load(2)
    assert source.calls == []
