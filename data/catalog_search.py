"""Full-text search in SQL: PostgreSQL's `tsvector` or SQLite's FTS5, asked the same question.

The domain (`domain.catalog.search`) decides the words, their typo corrections and the ranking tiers; this module
turns them into each database's syntax, and keeps the search documents, their index and the vocabulary current.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnClause,
    ColumnElement,
    Integer,
    Select,
    Text,
    all_,
    and_,
    bindparam,
    case,
    column,
    func,
    literal_column,
    or_,
    select,
    text,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from data.batches import batched
from data.tables import attribute_choices, product_attributes, products, search_terms, translations, variants
from domain.catalog.search import SearchQuery, tokenize, words

_VOCABULARY_WORD = re.compile(r"^\w{2,100}$", re.UNICODE)
_PG_CONFIG: ColumnClause[Any] = literal_column("'simple'::regconfig")
# `to_tsvector('simple', search_document)`, stored and indexed by PostgreSQL (migration 0010). Not in the models:
# SQLite has no such column.
_PG_VECTOR: ColumnClause[Any] = literal_column("products.search_vector", TSVECTOR)
_SQLITE_ESCAPE = "/"


def document_for(*, name: str, description: str, skus: Iterable[str], labels: Iterable[str] = ()) -> str:
    """Return the text a product is found by, as plain lowercase words, so both databases split it alike.

    `labels` are the product's other short texts: its attribute values ("Merino", "Navy") and its names in other
    languages. A SKU is there as its parts and joined up ("WS-2" as "ws 2 ws2"): shoppers type it either way.
    """
    sku_forms = [" ".join([*words(sku), "".join(words(sku))]) for sku in skus]
    return " ".join(words(" ".join([name, *sku_forms, *labels, description])))


def vocabulary_for(*, name: str, skus: Iterable[str], labels: Iterable[str] = ()) -> set[str]:
    """Return the words of a product that typos are corrected towards: from its name, SKUs and labels."""
    found = set(words(" ".join([name, *skus, *labels])))
    return {w for w in found if _VOCABULARY_WORD.match(w)}


def matches(dialect: str) -> ColumnElement[bool]:
    """Return the condition that a product matches every word of the search (each as a prefix).

    Bound at execution to `search_values`'s `search_match`: statements are built once per shape (see
    `data.product_listing`), not per search.
    """
    if dialect == "postgresql":
        return _PG_VECTOR.op("@@")(func.to_tsquery(_PG_CONFIG, bindparam("search_match", type_=Text)))
    matching = text("SELECT rowid FROM product_fts WHERE product_fts MATCH :search_match")
    return products.c.id.in_(matching.columns(column("rowid", Integer)))


def _starts_with_text(dialect: str) -> ColumnElement[bool]:
    """Return the condition that a product's name starts with the search text (relevance tiers 3 and 2)."""
    return _like(dialect, products.c.sort_name, bindparam("search_prefix", type_=Text))


def _holds_every_word(dialect: str, word_count: int) -> ColumnElement[bool]:
    """Return the condition that a product's name holds every word of the search (relevance tier 1).

    PostgreSQL takes the words as one array (`LIKE ALL`), so one statement serves any number of words; SQLite has
    a `LIKE` per word, and `word_count` of them.
    """
    if dialect == "postgresql":
        return products.c.sort_name.like(all_(bindparam("search_words", type_=ARRAY(Text))))
    return and_(
        true(),
        *(_like(dialect, products.c.sort_name, bindparam(f"search_word_{i}", type_=Text)) for i in range(word_count)),
    )


def relevance_key(dialect: str, word_count: int) -> ColumnElement[int]:
    """Return minus the relevance tier (so that ascending order puts the best first), as `relevance_tier` does."""
    return case(
        (products.c.sort_name == bindparam("search_text", type_=Text), -3),
        (_starts_with_text(dialect), -2),
        (_holds_every_word(dialect, word_count), -1),
        else_=0,
    )


def word_count(dialect: str, query: SearchQuery) -> int:
    """Return how many `LIKE`s `_holds_every_word` has for this search: part of its statement's shape on SQLite."""
    return 0 if dialect == "postgresql" else len(tokenize(query.text))


def search_values(dialect: str, query: SearchQuery) -> dict[str, Any]:
    """Return the values of the bind parameters that `matches` and `relevance_key` use."""
    text_form = query.text.casefold()
    patterns = [f"%{_escape_like(dialect, word)}%" for word in tokenize(query.text)]
    values: dict[str, Any] = {
        "search_match": _match_text(dialect, query),
        "search_text": text_form,
        "search_prefix": f"{_escape_like(dialect, text_form)}%",
    }
    if dialect == "postgresql":
        values["search_words"] = patterns
    else:
        values.update({f"search_word_{i}": pattern for i, pattern in enumerate(patterns)})
    return values


def _match_text(dialect: str, query: SearchQuery) -> str:
    if dialect == "postgresql":
        return " & ".join(
            "(" + " | ".join(f"{form}:*" if term.prefix else form for form in term.forms) + ")" for term in query.terms
        )
    return " AND ".join(
        "(" + " OR ".join(f'"{form}"*' if term.prefix else f'"{form}"' for form in term.forms) + ")"
        for term in query.terms
    )


def _like(dialect: str, column: ColumnElement[str], pattern: ColumnElement[str]) -> ColumnElement[bool]:
    # PostgreSQL's escape character is the backslash by default (and `LIKE ALL` takes no ESCAPE clause); SQLite has
    # none unless told.
    return column.like(pattern) if dialect == "postgresql" else column.like(pattern, escape=_SQLITE_ESCAPE)


def _escape_like(dialect: str, value: str) -> str:
    escape = "\\" if dialect == "postgresql" else _SQLITE_ESCAPE
    return "".join(escape + c if c in ("%", "_", escape) else c for c in value)


async def vocabulary_near(conn: AsyncConnection, words: Sequence[str]) -> dict[str, list[str]]:
    """Return, per word, the known words that could be its correction, for the domain to measure.

    Candidates have a similar length and either the same first letter (a range of the primary key, on both
    databases) or, on PostgreSQL, enough trigrams in common (`pg_trgm`'s `%` on a GIN index), which also finds a
    mistyped first letter ("jecket" → "jacket"). One statement for all the words.
    """
    if not words:
        return {}
    dialect = conn.dialect.name
    values: dict[str, Any] = {}
    for i, word in enumerate(words):
        values |= {
            f"word_{i}": word,
            f"first_{i}": word[0],
            f"after_first_{i}": chr(ord(word[0]) + 1),
            f"shortest_{i}": len(word) - 2,
            f"longest_{i}": len(word) + 2,
        }
    rows = (await conn.execute(_vocabulary_statement(dialect, len(words)), values)).scalars().all()
    postgres = dialect == "postgresql"
    return {word: [t for t in rows if abs(len(t) - len(word)) <= 2 and (postgres or t[0] == word[0])] for word in words}


@cache
def _vocabulary_statement(dialect: str, word_count: int) -> Select[Any]:
    # Built once per number of words (at most `MAX_TERMS`): building and keying it cost more than running it.
    term = search_terms.c.term
    conditions = []
    for i in range(word_count):
        near = and_(term >= bindparam(f"first_{i}", type_=Text), term < bindparam(f"after_first_{i}", type_=Text))
        if dialect == "postgresql":
            near = or_(near, term.op("%")(bindparam(f"word_{i}", type_=Text)))
        length = func.length(term).between(
            bindparam(f"shortest_{i}", type_=Integer), bindparam(f"longest_{i}", type_=Integer)
        )
        conditions.append(and_(near, length))
    return select(term).where(or_(*conditions))


async def _add_vocabulary(conn: AsyncConnection, words: set[str]) -> None:
    if not words:
        return
    insert = pg_insert(search_terms) if conn.dialect.name == "postgresql" else sqlite_insert(search_terms)
    rows = [{"term": w} for w in sorted(words)]
    for batch in batched(rows):
        await conn.execute(insert.on_conflict_do_nothing(), batch)


async def write_documents(conn: AsyncConnection, documents: dict[int, str], words: set[str]) -> None:
    """Store search documents for products (and index them on SQLite), and learn their words."""
    if not documents:
        return
    dialect = conn.dialect.name
    rows: list[dict[str, Any]] = [{"pid": pid, "doc": doc} for pid, doc in documents.items()]
    statement = update(products).where(products.c.id == bindparam("pid")).values(search_document=bindparam("doc"))
    for chunk in batched(rows):
        await conn.execute(statement, chunk)
        if dialect == "sqlite":
            ids = ",".join(str(int(r["pid"])) for r in chunk)
            await conn.execute(text(f"DELETE FROM product_fts WHERE rowid IN ({ids})"))
            await conn.execute(text("INSERT INTO product_fts(rowid, document) VALUES (:pid, :doc)"), chunk)
    await _add_vocabulary(conn, words)


async def refresh(conn: AsyncConnection, product_ids: Sequence[int]) -> None:
    """Recompute the search documents of some products from their current name, description and SKUs."""
    if not product_ids:
        return
    found = (
        await conn.execute(
            select(products.c.id, products.c.name, products.c.description).where(products.c.id.in_(product_ids))
        )
    ).all()
    skus: dict[int, list[str]] = {row.id: [] for row in found}
    sku_rows = await conn.execute(
        select(variants.c.product_id, variants.c.sku)
        .where(variants.c.product_id.in_(product_ids))
        .order_by(variants.c.position)
    )
    for product_id, sku in sku_rows:
        skus[product_id].append(sku)
    labels: dict[int, list[str]] = {row.id: [] for row in found}
    descriptions: dict[int, list[str]] = {row.id: [row.description] for row in found}
    value_rows = await conn.execute(
        select(product_attributes.c.product_id, attribute_choices.c.name, product_attributes.c.text_value)
        .select_from(
            product_attributes.outerjoin(attribute_choices, attribute_choices.c.id == product_attributes.c.choice_id)
        )
        .where(product_attributes.c.product_id.in_(product_ids))
        .order_by(product_attributes.c.id)
    )
    for product_id, choice, text_value in value_rows:
        labels[product_id].extend(v for v in (choice, text_value) if v)
    translated = await conn.execute(
        select(translations.c.product_id, translations.c.name, translations.c.description)
        .where(translations.c.product_id.in_(product_ids))
        .order_by(translations.c.language_code)
    )
    for product_id, name, description in translated:
        labels[product_id].extend([name] if name else [])
        descriptions[product_id].extend([description] if description else [])
    documents: dict[int, str] = {}
    vocabulary: set[str] = set()
    for row in found:
        documents[row.id] = document_for(
            name=row.name, description=" ".join(descriptions[row.id]), skus=skus[row.id], labels=labels[row.id]
        )
        vocabulary |= vocabulary_for(name=row.name, skus=skus[row.id], labels=labels[row.id])
    await write_documents(conn, documents, vocabulary)


async def backfill(conn: AsyncConnection) -> int:
    """Give every product without a search document one (after the migration that introduced them)."""
    missing = (await conn.execute(select(products.c.id).where(products.c.search_document == ""))).scalars().all()
    for batch in batched(missing):
        await refresh(conn, batch)
    return len(missing)
