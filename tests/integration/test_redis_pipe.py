"""The pipelined MGET client against a real Redis: values in order, concurrent callers, reconnection, bad replies."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from redis.asyncio import Redis

from data.redis_pipe import PipelinedRedis, RedisReplyError, _Protocol, endpoint_of


async def test_concurrent_mgets_each_get_their_own_values(redis_url: str) -> None:
    client = Redis.from_url(redis_url)
    prefix = f"test-pipe-{uuid.uuid4().hex[:8]}:"
    await client.mset({f"{prefix}{i}": f"value-{i}" * (i * 500) for i in range(1, 20)})
    endpoint = endpoint_of(client)
    assert endpoint is not None
    pipe = PipelinedRedis(endpoint)
    try:
        replies = await asyncio.gather(
            *[pipe.mget([f"{prefix}{i}".encode(), f"{prefix}absent".encode()]) for i in range(1, 20)]
        )
    finally:
        pipe.close()
        await client.aclose()

    assert replies == [[f"value-{i}".encode() * (i * 500), None] for i in range(1, 20)]


async def test_a_lost_connection_is_reopened_by_the_next_call(redis_url: str) -> None:
    client = Redis.from_url(redis_url)
    key = f"test-pipe-{uuid.uuid4().hex[:8]}".encode()
    await client.set(key, b"v")
    endpoint = endpoint_of(client)
    assert endpoint is not None
    pipe = PipelinedRedis(endpoint)
    try:
        assert await pipe.mget([key]) == [b"v"]
        pipe._protocol.transport.abort()  # type: ignore[union-attr]  # the connection drops
        await asyncio.sleep(0.01)
        found = await pipe.mget([key])
    finally:
        pipe.close()
        await client.aclose()

    assert found == [b"v"]


async def test_replies_split_anywhere_are_answered_only_when_complete() -> None:
    reply = b"*3\r\n$3\r\nabc\r\n$-1\r\n$0\r\n\r\n"
    loop = asyncio.get_running_loop()
    for cut in range(len(reply)):
        protocol = _Protocol()
        first, second = loop.create_future(), loop.create_future()
        protocol.pending.extend([(first, 0.0), (second, 0.0)])

        protocol.data_received(reply[:cut])
        early = first.done()
        protocol.data_received(reply[cut:] + b"+OK\r\n")

        assert not early
        assert first.result() == [b"abc", None, b""]
        assert second.result() == b"OK"


async def test_an_error_reply_fails_the_call_and_the_connection() -> None:
    protocol = _Protocol()
    waiting = asyncio.get_running_loop().create_future()
    protocol.pending.append((waiting, 0.0))

    protocol.data_received(b"-WRONGTYPE Operation against a key\r\n")

    with pytest.raises(RedisReplyError, match="WRONGTYPE"):
        waiting.result()
    assert protocol.closed


async def test_the_calls_of_one_turn_of_the_loop_are_written_together(redis_url: str) -> None:
    client = Redis.from_url(redis_url)
    prefix = f"test-pipe-{uuid.uuid4().hex[:8]}:"
    await client.mset({f"{prefix}{i}": f"v{i}" for i in range(10)})
    endpoint = endpoint_of(client)
    assert endpoint is not None
    pipe = PipelinedRedis(endpoint)
    writes: list[bytes] = []
    try:
        assert await pipe.mget([f"{prefix}0".encode()]) == [b"v0"]  # connected
        protocol = pipe._protocol
        assert protocol is not None
        assert protocol.transport is not None
        transport = protocol.transport

        class Recording:
            def write(self, data: bytes) -> None:
                writes.append(data)
                transport.write(data)

            def abort(self) -> None:
                transport.abort()

        protocol.transport = Recording()  # type: ignore[assignment]
        replies = await asyncio.gather(*[pipe.mget([f"{prefix}{i}".encode()]) for i in range(10)])
        later = await pipe.mget([f"{prefix}3".encode()])
    finally:
        pipe.close()
        await client.aclose()

    assert replies == [[f"v{i}".encode()] for i in range(10)]
    assert later == [b"v3"]
    assert [w.count(b"MGET") for w in writes] == [10, 1]
