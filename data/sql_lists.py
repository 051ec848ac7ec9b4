"""`column IN (values)` that compiles to one SQL text whatever the number of values."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement


def one_of(conn: AsyncConnection, column: ColumnElement[Any], values: Sequence[Any]) -> ColumnElement[bool]:
    """Return `column = ANY(:array)` on PostgreSQL, `column IN (…)` elsewhere.

    An expanding `IN` list is rendered at execution for its length: each new length is another SQL text, so
    another compilation and another prepared statement per connection. One array parameter is one statement.
    """
    if conn.dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(values)


def any_of(dialect: str, column: ColumnElement[Any], name: str) -> ColumnElement[bool]:
    """Return `column = ANY(:name)` on PostgreSQL, an expanding `column IN (:name)` elsewhere, for a statement
    built once and executed with `{name: values}`."""
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(column.type)))
    return column.in_(bindparam(name, expanding=True))
