"""Where the test suite finds PostgreSQL and Redis, and what it does when they are absent."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import pytest
from redis.asyncio import Redis

POSTGRES_URL = os.environ.get("VITRINE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("VITRINE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
REQUIRE_SERVICES = os.environ.get("VITRINE_REQUIRE_SERVICES") == "1"


def unavailable(service: str, reason: str) -> None:
    """Skip a test that needs a service, or fail it when CI requires the service."""
    message = f"{service} is not reachable ({reason})"
    if REQUIRE_SERVICES:
        pytest.fail(f"{message}; VITRINE_REQUIRE_SERVICES=1 makes this a failure", pytrace=False)
    pytest.skip(f"{message}; set VITRINE_REQUIRE_SERVICES=1 to fail instead")


async def check_postgres() -> str | None:
    try:
        conn = await asyncio.wait_for(asyncpg.connect(POSTGRES_URL), timeout=3)
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        return f"{type(exc).__name__}: {exc}"
    await conn.close()
    return None


async def check_redis() -> str | None:
    client = Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        await client.ping()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    finally:
        await client.aclose()
    return None


@asynccontextmanager
async def scratch_postgres_database() -> AsyncIterator[str]:
    """Create a uniquely named database, yield its SQLAlchemy URL, and drop it afterwards."""
    name = f"vitrine_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(POSTGRES_URL)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base = POSTGRES_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        admin = await asyncpg.connect(POSTGRES_URL)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()
