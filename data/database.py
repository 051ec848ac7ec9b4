"""The engine and session factory, with per-dialect settings and a statement counter."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from data.reads import Listener, Reads


@dataclass(frozen=True, slots=True)
class Database:
    """One process's engine and the session factory bound to it."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    readonly: AsyncEngine  # the same pool, in autocommit: built once (a wrapper per read cost 5 % of cold CPU)
    reads: Reads  # a request's reads, each statement on a connection of its own, sent by asyncpg on PostgreSQL
    listeners: list[Listener]  # told each statement's SQL, whichever way it is sent (metrics, tests)

    def read(self) -> AsyncConnection:
        """Return a connection for reads only: autocommit, so no BEGIN and ROLLBACK round trips around them."""
        return self.readonly.connect()

    @contextmanager
    def observed(self, listener: Listener) -> Iterator[None]:
        """Tell `listener` each statement's SQL while the block runs."""
        self.listeners.append(listener)
        try:
            yield
        finally:
            self.listeners.remove(listener)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    async def ping(self) -> None:
        """Run a trivial statement; raise if the database does not answer."""
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers go on while one writer commits; foreign keys are off by default in SQLite.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def connect_database(
    url: str,
    *,
    pool_size: int = 10,
    statement_timeout_seconds: float = 0,
    on_statement: Callable[[], None] | None = None,  # told of each statement (the metrics counter)
    echo: bool = False,
) -> Database:
    """Build the engine for a SQLAlchemy URL (`sqlite+aiosqlite://…` or `postgresql+asyncpg://…`).

    On PostgreSQL, connections are named `vitrine` (in `pg_stat_activity`), a statement running longer than
    `statement_timeout_seconds` is cancelled by the server (0: never), a session left idle inside a transaction
    for a minute is ended (a stuck request must not hold locks or a connection for ever), and plans are neither
    parallel nor JIT-compiled (an API's many short statements lose by both).
    """
    parsed = make_url(url)
    options: dict[str, Any] = {
        "echo": echo,
        "json_serializer": lambda value: orjson.dumps(value).decode(),
        "json_deserializer": orjson.loads,
    }
    if parsed.get_backend_name() == "postgresql":
        # No pre-ping (a round trip per checkout): recycle connections instead, and retry is the caller's choice.
        options.update(pool_size=pool_size, max_overflow=pool_size // 2, pool_recycle=1800)
        server_settings = {
            "application_name": "vitrine",
            "idle_in_transaction_session_timeout": "60000",
            # Many short statements at once: a parallel plan spends two more processes' CPU to shave a few ms off
            # one statement (measured: a search ranking 9,000 matches, 9.9 ms alone vs 19.6 ms wall and ~30 ms of
            # CPU in three processes), and JIT compiles for tens of ms what runs in a few.
            "max_parallel_workers_per_gather": "0",
            "jit": "off",
        }
        if statement_timeout_seconds:
            server_settings["statement_timeout"] = str(int(statement_timeout_seconds * 1000))
        options["connect_args"] = {"server_settings": server_settings}
    engine = create_async_engine(parsed, **options)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    listeners: list[Listener] = []
    if on_statement is not None:
        counter = on_statement
        listeners.append(lambda _sql: counter())

    def _tell(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        for listener in listeners:
            listener(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", _tell)
    readonly = engine.execution_options(isolation_level="AUTOCOMMIT")
    return Database(
        engine=engine,
        sessions=async_sessionmaker(engine, expire_on_commit=False),
        readonly=readonly,
        reads=Reads(readonly, listeners, direct=not echo),
        listeners=listeners,
    )
