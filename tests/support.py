"""Helpers for tests: a GraphQL client, a live server, the statement counter, a clean database."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import uvicorn
from sqlalchemy import text
from starlette.applications import Starlette

from app.bootstrap import Container, build_container
from app.metrics import Metrics
from app.settings import Settings
from app.ws_protocol import LeanWebSocketProtocol
from data.database import Database
from data.tables import Base


async def reset_database(database: Database) -> None:
    """Empty every table, so each test starts from a known state."""
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    async with database.engine.begin() as conn:
        if database.dialect == "postgresql":
            await conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in [*tables, "product_fts"]:
                await conn.execute(text(f"DELETE FROM {table}"))


class Api:
    """Send GraphQL operations to the app, as a client would."""

    def __init__(self, client: httpx.AsyncClient, *, staff_token: str) -> None:
        self.client = client
        self.staff_token = staff_token

    async def post(self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self.client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()

    async def data(self, query: str, variables: dict[str, Any] | None = None, *, staff: bool = False) -> Any:
        """Run an operation that must succeed; return its `data`."""
        body = await self.post(query, variables, token=self.staff_token if staff else None)
        assert "errors" not in body, body
        return body["data"]

    async def errors(self, query: str, variables: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run an operation that must fail; return its `errors`."""
        body = await self.post(query, variables)
        assert body.get("errors"), body
        return list(body["errors"])


class StatementCounter:
    """Read how many SQL statements ran since the last mark."""

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics
        self._mark = self._value()

    def _value(self) -> int:
        return int(self._metrics.value("vitrine_db_statements_total"))

    def reset(self) -> None:
        self._mark = self._value()

    @property
    def count(self) -> int:
        return self._value() - self._mark


@contextlib.asynccontextmanager
async def live_server(app: Starlette) -> AsyncIterator[str]:
    """Serve the app with uvicorn and `vitrine serve`'s websocket protocol on a free loopback port; yield
    `host:port`."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="off", log_config=None, ws=LeanWebSocketProtocol)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(10):
            while not server.started:
                if task.done():
                    task.result()
                await asyncio.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@contextlib.asynccontextmanager
async def container_with(settings: Settings, *, empty: bool = False, **changes: Any) -> AsyncIterator[Container]:
    """Another API process's parts: `settings` with `changes`, on the same database and Redis (emptied first when
    `empty`), closed afterwards."""
    container = build_container(settings.model_copy(update=changes))
    if empty:
        await reset_database(container.database)
    try:
        yield container
    finally:
        await container.aclose()
