"""`column IN (values)` that compiles to one SQL text whatever the number of values (on PostgreSQL).

An expanding `IN` list is rendered at execution for its length: each new length is another SQL text, so another
compilation and another prepared statement per connection. One array parameter is one statement.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.elements import ColumnElement


def any_of(dialect: str, column: ColumnElement[Any], name: str) -> ColumnElement[bool]:
    """Return `column = ANY(:name)` on PostgreSQL, an expanding `column IN (:name)` elsewhere, for a statement
    built once and executed with `{name: values}`."""
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(column.type)))
    return column.in_(bindparam(name, expanding=True))
