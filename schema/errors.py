"""Errors as the client sees them: stable codes in `extensions.code`, nothing internal ever shown.

Business failures in mutations are data (`userErrors`); everything else becomes a GraphQL error here. A domain
error keeps its message and code; a GraphQL syntax, validation or variable error gets the standard code; any other
exception is logged with the request id and replaced by a generic message.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

import structlog
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from domain.shared.errors import DomainError

log = structlog.get_logger("vitrine.graphql")


class ApiError(Exception):
    """A request the API refuses before the domain sees it (e.g. a malformed global ID)."""

    code: ClassVar[str] = "BAD_USER_INPUT"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidId(ApiError):
    code = "INVALID_ID"


class Codes:
    PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
    VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
    BAD_REQUEST = "BAD_REQUEST"
    BAD_USER_INPUT = "BAD_USER_INPUT"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    INTERNAL = "INTERNAL_SERVER_ERROR"


INTERNAL_MESSAGE = "Internal server error."


def _classify(error: GraphQLError) -> GraphQLError:
    original = error.original_error
    extensions = dict(error.extensions or {})
    if isinstance(original, (DomainError, ApiError)):
        extensions["code"] = original.code
        if isinstance(original, DomainError) and original.field:
            extensions["field"] = original.field
        return _rebuild(error, original.message, extensions)
    if isinstance(original, GraphQLError):
        # A variable that does not coerce to its declared type: the client's input, not our fault.
        extensions.setdefault("code", Codes.BAD_USER_INPUT)
        return _rebuild(error, error.message, extensions)
    if original is None:
        if "code" not in extensions:
            syntax = error.message.startswith("Syntax Error")
            extensions["code"] = Codes.PARSE_FAILED if syntax else Codes.VALIDATION_FAILED
        return _rebuild(error, error.message, extensions)
    log.error("graphql.unexpected_error", path=error.path, exc_info=original)
    return _rebuild(error, INTERNAL_MESSAGE, {"code": Codes.INTERNAL})


def _rebuild(error: GraphQLError, message: str, extensions: dict[str, object]) -> GraphQLError:
    return GraphQLError(
        message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None,
        extensions=extensions,
    )


def format_errors(errors: list[GraphQLError]) -> list[GraphQLError]:
    """Return the errors as clients may see them."""
    return [_classify(e) for e in errors]


class ErrorCodes(SchemaExtension):
    """Give every error a stable `extensions.code` and mask the unexpected ones."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and result.errors:
            result.errors = format_errors(result.errors)
        if self.execution_context.pre_execution_errors:
            self.execution_context.pre_execution_errors = format_errors(self.execution_context.pre_execution_errors)
