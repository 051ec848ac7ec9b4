"""Prepared operations: a query text that parsed and validated once is executed again without Strawberry's
per-request machinery.

A storefront sends a handful of query texts over and over. Strawberry runs every one of them through its HTTP view's
general handling (multipart, batches, streaming, content negotiation) and its schema extensions' hooks (the parser
and validation caches, the limits, error codes, metrics: about twenty context managers): a tenth of the instructions
of a cold product page, to find again what the caches already hold (docs/performance.md). Here a text that has
passed through all of that once, parsed within the token limit and valid under every rule, is kept with its
document; a later plain JSON POST of the same text (one query or mutation; no `extensions`, no streaming, no batch)
is executed by graphql-core with the schema's executor, its errors formatted by the schema's `process_errors` and
the operation counted and named as the extensions would. Everything else, and every text seen for the first time,
takes Strawberry's path, which is the one that records texts. tests/api/test_prepared.py runs both paths on the
same requests.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from inspect import isawaitable
from typing import Any, cast

import strawberry
from graphql import DocumentNode, ExecutionResult, GraphQLError, OperationType, execute, get_operation_ast
from strawberry.execution.is_awaitable import optimized_is_awaitable
from strawberry.extensions import SchemaExtension

__all__ = ["PlainRequest", "PreparedOperation", "PreparedOperations", "execute_prepared", "plain_request"]

_EXECUTABLE = (OperationType.QUERY, OperationType.MUTATION)
_REQUEST_KEYS = frozenset({"query", "variables", "operationName", "extensions"})


@dataclass(frozen=True, slots=True)
class PreparedOperation:
    """A request for one operation of a validated document: the document, the operation as the request names it,
    and the request's variables."""

    document: DocumentNode
    requested_name: str | None  # the request's `operationName`
    name: str | None  # the operation's own name, as Strawberry reports it to extensions and metrics
    variables: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class PlainRequest:
    """A GraphQL request of the usual form: a query text, its variables and the operation to run."""

    query: str
    variables: dict[str, Any] | None
    operation_name: str | None


def plain_request(payload: object) -> PlainRequest | None:
    """Return the request in `payload` (a decoded JSON body) when it is of the usual form, else None: a batch,
    `extensions` (persisted queries) or anything unusual is left to Strawberry, which answers it as it should."""
    if not isinstance(payload, dict) or not payload.keys() <= _REQUEST_KEYS or payload.get("extensions"):
        return None
    query, variables, name = payload.get("query"), payload.get("variables"), payload.get("operationName")
    if not isinstance(query, str) or not isinstance(variables, dict | None) or not isinstance(name, str | None):
        return None
    return PlainRequest(query, variables, name)


class PreparedOperations:
    """The documents of the query texts that parsed and validated, by text; the oldest go past `size`."""

    def __init__(self, *, size: int = 256) -> None:
        self._size = size
        self._documents: dict[str, DocumentNode] = {}

    def __len__(self) -> int:
        return len(self._documents)

    def recorder(self) -> Callable[[], SchemaExtension]:
        """Return the extension that keeps each text whose document validated without errors."""
        store = self

        class RecordPrepared(SchemaExtension):
            def on_validate(self) -> Iterator[None]:
                yield
                context = self.execution_context
                document, errors = context.graphql_document, context.pre_execution_errors
                if context.query is not None and document is not None and errors is not None and not errors:
                    store.add(context.query, document)

        return RecordPrepared

    def add(self, query: str, document: DocumentNode) -> None:
        documents = self._documents
        if query not in documents and len(documents) >= self._size:
            del documents[next(iter(documents))]
        documents[query] = document

    def find(self, request: PlainRequest) -> PreparedOperation | None:
        """Return the request's operation when its text was prepared and it names a query or mutation in it."""
        document = self._documents.get(request.query)
        if document is None:
            return None
        operation = get_operation_ast(document, request.operation_name)
        if operation is None or operation.operation not in _EXECUTABLE:
            return None  # Strawberry says what is wrong (no such operation, a subscription over HTTP)
        own = operation.name.value if operation.name is not None else None
        return PreparedOperation(document, request.operation_name, request.operation_name or own, request.variables)


async def execute_prepared(
    schema: strawberry.Schema,
    operation: PreparedOperation,
    *,
    context: object,
    record: Callable[[str | None, bool, float], None],
) -> ExecutionResult:
    """Execute a prepared operation as `schema.execute` would: the same executor, errors processed by the
    schema, and `record(name, failed, started)` called as the metrics extension would, even when it raises."""
    started = time.perf_counter()
    failed = True
    try:
        try:
            result = execute(
                schema._schema,
                operation.document,
                variable_values=operation.variables,
                operation_name=operation.requested_name,
                context_value=context,
                executor_class=schema.execution_context_class,
                is_awaitable=cast("Any", optimized_is_awaitable),  # typed as a plain predicate
            )
            if isawaitable(result):
                result = await result
        except Exception as error:  # as `schema.execute` turns an escaping error into the operation's error
            result = ExecutionResult(None, [error if isinstance(error, GraphQLError) else _wrapped(error)])
        assert isinstance(result, ExecutionResult)  # no @defer or @stream in this schema: `execute` gives one result
        if result.errors:
            schema.process_errors(result.errors)
        failed = bool(result.errors)
        return result
    finally:
        record(operation.name, failed, started)


def _wrapped(error: Exception) -> GraphQLError:
    return GraphQLError(str(error), original_error=error)
