"""Fixtures shared by the integration and API suites: each backend for real, and the app on top."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from app.asgi import create_app
from app.bootstrap import Container, build_container
from app.settings import Settings
from data.database import Database, connect_database
from data.migrate import upgrade_to_head
from tests import services
from tests.support import Api, reset_database

STAFF_TOKEN = "test-staff-token"
BACKENDS = ("embedded", "production")


async def _migrated(url: str) -> str:
    database = connect_database(url)
    try:
        await upgrade_to_head(database)
    finally:
        await database.dispose()
    return url


@pytest.fixture(scope="session")
async def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path: Path = tmp_path_factory.mktemp("sqlite") / "vitrine.db"
    return await _migrated(f"sqlite+aiosqlite:///{path}")


@pytest.fixture(scope="session")
async def postgres_url() -> AsyncIterator[str]:
    if (reason := await services.check_postgres()) is not None:
        services.unavailable("PostgreSQL", reason)
    async with services.scratch_postgres_database() as url:
        yield await _migrated(url)


@pytest.fixture(scope="session")
async def redis_url() -> str:
    if (reason := await services.check_redis()) is not None:
        services.unavailable("Redis", reason)
    return services.REDIS_URL


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Run the test once embedded (SQLite, in-process) and once in production mode (PostgreSQL, Redis)."""
    return str(request.param)


@pytest.fixture
def settings(backend: str, request: pytest.FixtureRequest) -> Settings:
    tokens = [SecretStr(STAFF_TOKEN)]
    if backend == "embedded":
        return Settings(
            database_url=request.getfixturevalue("sqlite_url"),
            redis_url=None,
            staff_tokens=tokens,
            log_json=False,
            response_cache_seconds=0,  # factories write around the unit of work; tests of it turn it on
        )
    return Settings(
        database_url=request.getfixturevalue("postgres_url"),
        redis_url=request.getfixturevalue("redis_url"),
        # A namespace per test keeps tests (and concurrent runs) from seeing each other's keys and channels.
        redis_namespace=f"test-{uuid.uuid4().hex[:12]}",
        staff_tokens=tokens,
        log_json=False,
        response_cache_seconds=0,
    )


@pytest.fixture
async def container(settings: Settings) -> AsyncIterator[Container]:
    built = build_container(settings)
    await reset_database(built.database)
    try:
        yield built
    finally:
        await built.aclose()


@pytest.fixture
def database(container: Container) -> Database:
    return container.database


@pytest.fixture
async def api(container: Container) -> AsyncIterator[Api]:
    app = create_app(container=container)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://vitrine.test") as client:
        yield Api(client, staff_token=STAFF_TOKEN)
