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
from sqlalchemy.dialects.postgresql import aggregate_order_by
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


def json_rows(dialect: str, source: Source, *, order_by: Sequence[ColumnElement[Any]] = ()) -> Select[Any]:
    """Return a statement of one value: the source's rows as JSON text (`rows_of` decodes it), in `order_by`
    (PostgreSQL only: SQLite's aggregate keeps no order); add conditions with `.where`."""
    values = [_as_json_value(dialect, source.table.c[name]) for name in source.columns]
    if dialect == "postgresql":
        array = func.json_build_array(*values)
        rows: ColumnElement[Any] = cast(
            func.json_agg(aggregate_order_by(array, *order_by) if order_by else array), Text
        )
    elif order_by:
        raise ValueError("rows in order are read as JSON on PostgreSQL only")
    else:
        rows = func.json_group_array(func.json_array(*values))
    return select(rows).select_from(source.table)


@cache
def _statement(dialect: str, sources: tuple[Source, ...]) -> Select[Any]:
    # Built once per set of tables: building and keying the expression cost more than running it.
    return select(*(json_rows(dialect, s).scalar_subquery().label(f"t{i}") for i, s in enumerate(sources)))


async def fetch_json(reads: RowSource, sources: Sequence[Source]) -> list[str | None]:
    """Return each source's rows as JSON text (`None` or `[]` for an empty table), in one statement."""
    (row,) = await reads.rows(_statement(reads.dialect.name, tuple(sources)))
    return list(row)


def utc_moment(value: str | None) -> datetime | None:
    """Return a timestamp read as JSON text as an aware UTC datetime."""
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
        return utc_moment
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
