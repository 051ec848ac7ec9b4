"""Read several small tables whole in one statement: each table comes back as one JSON array of its rows.

The rows are converted back to their storage types here (amounts, UTC timestamps, booleans), so the same
row-to-domain functions serve these rows and ordinary result rows.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

import orjson
from sqlalchemy import JSON, Boolean, Select, Table, Text, cast, func, select
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.elements import ColumnElement

from data.reads import RowSource
from data.types import Amount, UTCDateTime


@dataclass(frozen=True, slots=True)
class Source:
    """Some columns of a table read whole."""

    table: Table
    columns: tuple[str, ...]


def _as_json_value(dialect: str, column: ColumnElement[Any]) -> ColumnElement[Any]:
    if isinstance(column.type, Amount) and dialect == "postgresql":
        return cast(column, Text)  # a JSON number would come back as a float
    if isinstance(column.type, JSON) and dialect == "sqlite":
        return func.json(column)  # stored as text: embed it as JSON, not as a string
    return column


def _aggregate(dialect: str, source: Source) -> ColumnElement[Any]:
    values = [_as_json_value(dialect, source.table.c[name]) for name in source.columns]
    if dialect == "postgresql":
        rows: ColumnElement[Any] = cast(func.json_agg(func.json_build_array(*values)), Text)
    else:
        rows = func.json_group_array(func.json_array(*values))
    return select(rows).select_from(source.table).scalar_subquery()


@cache
def _statement(dialect: str, sources: tuple[Source, ...]) -> Select[Any]:
    # Built once per set of tables: building and keying the expression cost more than running it.
    return select(*(_aggregate(dialect, s).label(f"t{i}") for i, s in enumerate(sources)))


async def fetch_json(reads: RowSource, sources: Sequence[Source]) -> list[str | None]:
    """Return each source's rows as JSON text (`None` or `[]` for an empty table), in one statement."""
    (row,) = await reads.rows(_statement(reads.dialect.name, tuple(sources)))
    return list(row)


def _utc(value: str | None) -> datetime | None:
    if value is None:
        return None
    moment = datetime.fromisoformat(value)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _converter(column: ColumnElement[Any], dialect: Dialect) -> Callable[[Any], Any] | None:
    kind = column.type
    if isinstance(kind, Amount):
        amount = kind.process_result_value
        return lambda value: amount(value, dialect)
    if isinstance(kind, UTCDateTime):
        return _utc
    if isinstance(kind, Boolean):
        return lambda value: None if value is None else bool(value)
    return None


@cache
def _row_type(table: Table, columns: tuple[str, ...]) -> type[tuple[Any, ...]]:
    return namedtuple(f"{table.name}_row", columns)  # built per source, once


def rows_of(source: Source, text: str | None, dialect: Dialect) -> list[Any]:
    """Return the rows of one source's JSON, with attribute access and storage types, like result rows."""
    row_type = _row_type(source.table, source.columns)
    converters = [_converter(source.table.c[name], dialect) for name in source.columns]
    found = []
    for values in orjson.loads(text) if text else ():
        found.append(row_type(*(v if c is None else c(v) for c, v in zip(converters, values, strict=True))))
    return found
