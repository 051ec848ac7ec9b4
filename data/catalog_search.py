"""Full-text search in SQL: PostgreSQL's `tsvector` or SQLite's FTS5, asked the same question.

The domain (`domain.catalog.search`) decides the words, their typo corrections and the ranking tiers; this module
turns them into each database's syntax, and keeps the search documents, their index and the vocabulary current.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnClause,
    ColumnElement,
    FromClause,
    Integer,
    Select,
    Text,
    and_,
    bindparam,
    column,
    delete,
    func,
    insert,
    literal_column,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from data.batches import batched
from data.reads import RowSource
from data.tables import (
    attribute_choices,
    product_attributes,
    product_name_words,
    products,
    search_terms,
    translations,
    variants,
)
from domain.catalog.model import sort_name
from domain.catalog.search import SearchQuery, name_words, tier_words, words

_VOCABULARY_WORD = re.compile(r"^\w{2,100}$", re.UNICODE)
_PG_CONFIG: ColumnClause[Any] = literal_column("'simple'::regconfig")
# `to_tsvector('simple', search_document)`, stored and indexed by PostgreSQL (migration 0010). Not in the models:
# SQLite has no such column.
_PG_VECTOR: ColumnClause[Any] = literal_column("products.search_vector", TSVECTOR)
_LIKE_ESCAPE = "/"  # words hold "_"; one explicit escape character, which both databases take


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


def starts_with_text(name: ColumnElement[str] = products.c.sort_name) -> ColumnElement[bool]:
    """Return the condition that a product's sort name (or `name`) starts with the search text (tiers 3 and 2).

    A range of the byte-ordered sort name (`search_text` up to `search_text_end`, the first text after every one
    that starts with it), which its index answers whatever the plan; a `LIKE` pattern is only turned into a range
    when the planner sees the value.
    """
    return and_(name >= _text("search_text"), name < _text("search_text_end"))


def is_text() -> ColumnElement[bool]:
    """Return the condition that a product's name is the search text (relevance tier 3)."""
    return products.c.sort_name == _text("search_text")


def starts_a_name_word(index: int, words: FromClause = product_name_words) -> ColumnElement[bool]:
    """Return the condition that a row of `product_name_words` starts with the search's word number `index`."""
    word = words.c.word
    return and_(word >= _text(f"search_word_{index}"), word < _text(f"search_word_end_{index}"))


def names_with_every_word(word_count: int) -> list[Select[Any]]:
    """Return the sort names and ids of the products in whose name every searched word begins a word, not starting
    with the whole text (a better tier), each once, as two statements to read in name order.

    The products with the first word itself come in name order straight from `product_name_words`' key (reading a
    page of them for a common word); those with only longer words starting with it ("woollen" for "wool") are
    sorted. The other words are semi-joins on their own name words, before the order: "wool leather", which no
    name holds, is then two index ranges intersected instead of every "wool" name checked one by one.
    """
    words = product_name_words
    exact = words.alias("exact_word")
    better = starts_with_text(words.c.sort_name)
    others = []
    for i in range(1, word_count):
        other = product_name_words.alias(f"word_{i}")
        others.append(words.c.product_id.in_(select(other.c.product_id).where(starts_a_name_word(i, other))))
    itself = select(words.c.sort_name, words.c.product_id.label("id")).where(
        words.c.word == _text("search_word_0"), ~better, *others
    )
    longer = (
        select(words.c.sort_name, words.c.product_id.label("id"))
        .where(
            words.c.word > _text("search_word_0"),
            words.c.word < _text("search_word_end_0"),
            ~better,
            *others,
            ~select(exact.c.product_id)
            .where(
                exact.c.word == _text("search_word_0"),
                exact.c.sort_name == words.c.sort_name,
                exact.c.product_id == words.c.product_id,
            )
            .exists(),
        )
        .distinct()  # a name may have two longer words starting with the searched one
    )
    return [itself, longer]


def name_holds_words(word_count: int, *, as_sets: bool = False) -> list[ColumnElement[bool]]:
    """Return, for each search word, the condition that it begins a word of the product's name.

    A `LIKE` on the product's own `name_words`; or, `as_sets`, membership of the set of products with such a word
    in `product_name_words`, which PostgreSQL reads once and hashes: cheaper for a page that asks it of 100,000
    matches (a word in every description: 58 ms, against 80 with the `LIKE`), but it cost a filtered search its
    plan: PostgreSQL priced the set at its true size and switched to a generic plan that read every match of the
    word instead of the category's (docs/catalog-queries.md, seventh pass).
    """
    if as_sets:
        words = product_name_words
        return [products.c.id.in_(select(words.c.product_id).where(starts_a_name_word(i))) for i in range(word_count)]
    return [
        products.c.name_words.like(_text(f"search_word_pattern_{i}"), escape=_LIKE_ESCAPE) for i in range(word_count)
    ]


def name_words_text(name: str) -> str:
    """Return what `products.name_words` holds for a name: its search words, sorted, each between spaces."""
    return " " + " ".join(sorted(name_words(name))) + " "


def word_count(query: SearchQuery) -> int:
    """Return how many words the relevance tiers compare with names: part of a ranked statement's shape."""
    return len(tier_words(query.text))


def search_values(dialect: str, query: SearchQuery) -> dict[str, Any]:
    """Return the values of the bind parameters that `matches` and the relevance tiers' conditions use."""
    text_form = query.text.casefold()
    values: dict[str, Any] = {
        "search_match": _match_text(dialect, query),
        "search_text": text_form,
        "search_text_end": after_every_extension(text_form),
    }
    for i, word in enumerate(tier_words(query.text)):
        values[f"search_word_{i}"] = word
        values[f"search_word_end_{i}"] = after_every_extension(word)
        values[f"search_word_pattern_{i}"] = f"% {_escape_like(word)}%"
    return values


def after_every_extension(prefix: str) -> str:
    """Return the first text, in code-point order, after every text that starts with `prefix`.

    Code-point order is UTF-8's byte order: the order of the `C` collation on PostgreSQL and of SQLite's default
    one. `[prefix, after_every_extension(prefix))` is exactly the texts starting with `prefix`.
    """
    chars = list(prefix)
    while chars:
        last = ord(chars.pop())
        if last < sys.maxunicode:
            following = 0xE000 if 0xD800 <= last + 1 <= 0xDFFF else last + 1  # surrogates are not characters
            return "".join(chars) + chr(following)
    raise ValueError("a prefix of only the last code point has no text after its extensions")


def _escape_like(value: str) -> str:
    return "".join(_LIKE_ESCAPE + c if c in ("%", "_", _LIKE_ESCAPE) else c for c in value)


def _text(name: str) -> BindParameter[str]:
    return bindparam(name, type_=Text)


def _match_text(dialect: str, query: SearchQuery) -> str:
    if dialect == "postgresql":
        return " & ".join(
            "(" + " | ".join(f"{form}:*" if term.prefix else form for form in term.forms) + ")" for term in query.terms
        )
    return " AND ".join(
        "(" + " OR ".join(f'"{form}"*' if term.prefix else f'"{form}"' for form in term.forms) + ")"
        for term in query.terms
    )


async def vocabulary_near(reads: RowSource, words: Sequence[str]) -> dict[str, list[str]]:
    """Return, per word, the known words that could be its correction, for the domain to measure.

    Candidates have a similar length and either the same first letter (a range of the primary key, on both
    databases) or, on PostgreSQL, enough trigrams in common (`pg_trgm`'s `%` on a GIN index), which also finds a
    mistyped first letter ("jecket" → "jacket"). One statement for all the words.
    """
    if not words:
        return {}
    dialect = reads.dialect.name
    values: dict[str, Any] = {}
    for i, word in enumerate(words):
        values |= {
            f"word_{i}": word,
            f"first_{i}": word[0],
            f"after_first_{i}": chr(ord(word[0]) + 1),
            f"shortest_{i}": len(word) - 2,
            f"longest_{i}": len(word) + 2,
        }
    rows = [row[0] for row in await reads.rows(_vocabulary_statement(dialect, len(words)), values)]
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


async def write_documents(
    conn: AsyncConnection, documents: dict[int, str], words: set[str], *, names: dict[int, str]
) -> None:
    """Store search documents for products (and index them on SQLite), their name words, and learn their words.

    `names` are the products' names, by id (one for each document): their words go to `products.name_words` and
    to `product_name_words`, beside the sort name.
    """
    if not documents:
        return
    dialect = conn.dialect.name
    rows: list[dict[str, Any]] = [
        {"pid": pid, "doc": doc, "words": name_words_text(names[pid])} for pid, doc in documents.items()
    ]
    statement = (
        update(products)
        .where(products.c.id == bindparam("pid"))
        .values(search_document=bindparam("doc"), name_words=bindparam("words"))
    )
    for chunk in batched(rows):
        await conn.execute(statement, chunk)
        if dialect == "sqlite":
            ids = ",".join(str(int(r["pid"])) for r in chunk)
            await conn.execute(text(f"DELETE FROM product_fts WHERE rowid IN ({ids})"))
            await conn.execute(text("INSERT INTO product_fts(rowid, document) VALUES (:pid, :doc)"), chunk)
    await _write_name_words(conn, {pid: names[pid] for pid in documents})
    await _add_vocabulary(conn, words)


async def _write_name_words(conn: AsyncConnection, names: dict[int, str]) -> None:
    """Replace the products' rows in `product_name_words` (their `name_words` column is written with the document)."""
    for ids in batched(list(names)):
        await conn.execute(delete(product_name_words).where(product_name_words.c.product_id.in_(ids)))
    rows = [
        {"word": word, "sort_name": sort_name(name), "product_id": pid}
        for pid, name in names.items()
        for word in sorted(name_words(name))
    ]
    for batch in batched(rows):
        await conn.execute(insert(product_name_words), batch)


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
    await write_documents(conn, documents, vocabulary, names={row.id: row.name for row in found})


async def backfill(conn: AsyncConnection) -> int:
    """Give every product without a search document one (after the migration that introduced them)."""
    missing = (await conn.execute(select(products.c.id).where(products.c.search_document == ""))).scalars().all()
    for batch in batched(missing):
        await refresh(conn, batch)
    return len(missing)
