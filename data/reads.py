"""The rows of a read-only statement: sent to PostgreSQL by asyncpg itself, with SQLAlchemy only as its builder.

A request's reads are a few statements built once per process (`@cache`d selects) and executed with new values.
SQLAlchemy's execution of each of them (a `Connection` around the pool's checkout, the compiled cache's key,
the DBAPI adaption through a greenlet, the `Result`) cost about as much of the API's CPU as asyncpg's whole round
trip: ≈ 0.2 ms a statement, a sixth of a product page's CPU with its four statements (docs/performance.md). Here
a statement is compiled once (its SQL text, the order of its parameters, the type processing of its parameters and
columns); each execution checks a raw connection out of the same pool, and fetches with asyncpg's prepared
statement for that text. The rows are asyncpg's records, read by position or by column name as attributes (as
SQLAlchemy's rows are), with the column types' own result processing applied where a type has one.

The statements go outside any transaction, as `Database.read()` runs them (autocommit). SQLite, and a statement
that SQLAlchemy must render for each execution (an expanding `IN`), run through SQLAlchemy as before. Every
statement is reported to the database's statement listeners either way (the metrics counter, tests).
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, cast

import asyncpg
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql import Select
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.util import greenlet_spawn

__all__ = ["ConnectionReads", "Reads", "RowSource"]

Processor = Callable[[Any], Any]
Listener = Callable[[str], None]

# Prepared forms kept per `Reads`: statements are built once per shape, so this bounds nothing in practice, and a
# caller building a new statement per call would only recompile (never grow the dict without limit).
_MAX_PREPARED = 512
_MISSING: Any = object()


class RowSource(Protocol):
    """What the data layer's read functions run their statements on."""

    @property
    def dialect(self) -> Dialect: ...

    async def rows(self, statement: Select[Any], params: Mapping[str, Any] | None = None) -> Sequence[Any]:
        """Return every row of the statement, read by position or by column name (`row.id`)."""
        ...


class ConnectionReads:
    """The rows of statements run on an open SQLAlchemy connection (inside its transaction, if it has one)."""

    __slots__ = ("_conn",)

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    @property
    def dialect(self) -> Dialect:
        return self._conn.dialect

    async def rows(self, statement: Select[Any], params: Mapping[str, Any] | None = None) -> Sequence[Any]:
        found: Sequence[Any] = (await self._conn.execute(statement, dict(params or {}))).all()
        return found


class _Record(asyncpg.Record):
    """asyncpg's record, whose columns are also read as attributes, as SQLAlchemy's rows are."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


class _Prepared:
    """A statement compiled for asyncpg: its SQL text, how to order and convert its values, and (once asyncpg has
    described its columns) how to convert its rows."""

    __slots__ = ("_row", "columns", "parameters", "results", "sql", "types")

    def __init__(
        self,
        sql: str,
        parameters: tuple[tuple[str, Any, Processor | None], ...],
        columns: tuple[str, ...],
        types: tuple[Any, ...],
    ) -> None:
        self.sql = sql
        self.parameters = parameters  # per position: key, value compiled in (or _MISSING), processor
        self.columns = columns
        self.types = types  # the selected columns' SQLAlchemy types, for their result processors
        self.results: tuple[Processor | None, ...] | None = None  # known after the first execution
        self._row: Callable[..., Any] | None = None  # a converted row (a named tuple), when a column converts

    def arguments(self, params: Mapping[str, Any]) -> list[Any]:
        values = []
        for key, default, process in self.parameters:
            value = params.get(key, default)
            if value is _MISSING:
                raise KeyError(f"no value for the statement's parameter {key!r}")
            values.append(value if process is None else process(value))
        return values

    async def describe(self, connection: asyncpg.Connection, dialect: Dialect) -> None:
        """Find the columns' result processors as SQLAlchemy would: they depend on the type PostgreSQL reports
        (a `numeric` and a `float8` column of one SQLAlchemy type are converted differently)."""
        described = await connection.prepare(self.sql)
        oids = [attribute.type.oid for attribute in described.get_attributes()]
        results = tuple(
            kind.dialect_impl(dialect).result_processor(dialect, oid)
            for kind, oid in zip(self.types, oids, strict=True)
        )
        if any(process is not None for process in results):
            self._row = namedtuple("Row", self.columns, rename=True)  # type: ignore[misc]
        self.results = results

    def convert(self, records: list[Any]) -> Sequence[Any]:
        row, results = self._row, self.results
        if row is None or results is None:
            return records
        # Only the columns that convert are visited (a listing's page: 3 timestamps of 19 columns).
        converted = [(index, process) for index, process in enumerate(results) if process is not None]
        rows = []
        for record in records:
            values = list(record)
            for index, process in converted:
                values[index] = process(values[index])
            rows.append(row(*values))
        return rows


def _prepare(statement: Select[Any], dialect: Dialect) -> _Prepared | None:
    """Compile the statement for asyncpg, or return None when SQLAlchemy must render it at each execution."""
    compiled = statement.compile(dialect=dialect)
    if not isinstance(compiled, SQLCompiler) or compiled.positiontup is None or "POSTCOMPILE" in compiled.string:
        return None
    parameters = []
    for name in compiled.positiontup:
        bind = compiled.binds[name]
        default = _MISSING if bind.required or bind.callable is not None else bind.value
        processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
        parameters.append((bind.key, default, processor))
    selected = list(statement.selected_columns)
    return _Prepared(
        compiled.string,
        tuple(parameters),
        tuple(column.name for column in selected),
        tuple(column.type for column in selected),
    )


class Reads:
    """Runs read-only statements outside any transaction, each on a connection of its own from the pool."""

    __slots__ = ("_engine", "_listeners", "_postgres", "_prepared")

    def __init__(self, engine: AsyncEngine, listeners: Sequence[Listener], *, direct: bool = True) -> None:
        self._engine = engine  # in autocommit, for the statements SQLAlchemy runs
        self._listeners = listeners  # read at each statement: listeners added later are told too
        # `direct=False` sends everything through SQLAlchemy (its `echo` logs only what it runs).
        self._postgres = direct and engine.dialect.name == "postgresql"
        self._prepared: dict[Select[Any], _Prepared | None] = {}

    @property
    def dialect(self) -> Dialect:
        return self._engine.dialect

    async def rows(self, statement: Select[Any], params: Mapping[str, Any] | None = None) -> Sequence[Any]:
        prepared = self._prepared_form(statement) if self._postgres else None
        if prepared is None:
            async with self._engine.connect() as conn:
                return await ConnectionReads(conn).rows(statement, params)
        arguments = prepared.arguments(params or {})
        for listener in self._listeners:
            listener(prepared.sql)
        raw = await self._engine.raw_connection()
        connection = cast("asyncpg.Connection[Any]", raw.driver_connection)  # set while checked out
        try:
            if prepared.results is None:
                await prepared.describe(connection, self._engine.dialect)
            records = await connection.fetch(prepared.sql, *arguments, record_class=_Record)
        except Exception as error:
            # A connection that is gone (the server ended it: a restart, an administrator; the network failed) must
            # not go back to the pool, to fail the next read that takes it. asyncpg closes a connection when the
            # server's last word is fatal, even when that word is an ordinary error (`AdminShutdownError`).
            if connection.is_closed() or isinstance(error, OSError | asyncpg.InterfaceError):
                await greenlet_spawn(raw.invalidate, error)
            raise
        finally:
            await greenlet_spawn(raw.close)
        return prepared.convert(records)

    def _prepared_form(self, statement: Select[Any]) -> _Prepared | None:
        try:
            return self._prepared[statement]
        except KeyError:
            pass
        prepared = _prepare(statement, self._engine.dialect)
        if len(self._prepared) >= _MAX_PREPARED:
            self._prepared.clear()
        self._prepared[statement] = prepared
        return prepared
