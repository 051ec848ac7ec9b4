"""Fixtures for testing one data-layer part against each of its implementations."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest


@pytest.fixture(params=["memory", "redis"])
def redis_or_none(request: pytest.FixtureRequest) -> str | None:
    """`None` for the in-process implementation, else the Redis URL (skipping or failing when it is down)."""
    return None if request.param == "memory" else str(request.getfixturevalue("redis_url"))


@pytest.fixture
async def silent_redis() -> AsyncIterator[tuple[str, list[int]]]:
    """A server that accepts connections and never answers: a hung Redis. Yields its URL and a connection count."""
    connections = [0]

    async def swallow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections[0] += 1
        await reader.read()  # until the client gives up
        writer.close()

    server = await asyncio.start_server(swallow, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"redis://127.0.0.1:{port}/0", connections
    finally:
        server.close()
