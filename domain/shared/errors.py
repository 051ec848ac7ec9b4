"""The root of every domain error tree.

Expected business failures are raised as `DomainError` subclasses with a stable `code`; the API maps them to
`userErrors` (mutations) or to GraphQL errors with `extensions.code` (queries). Anything else is a bug.
"""

from __future__ import annotations

from typing import ClassVar


class DomainError(Exception):
    """A business rule refused the request; safe to show to the caller."""

    code: ClassVar[str] = "DOMAIN_ERROR"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    """The requested object does not exist, or the caller may not see it."""

    code = "NOT_FOUND"


class PermissionDenied(DomainError):
    """The caller is known but may not do this."""

    code = "FORBIDDEN"


class InvalidInput(DomainError):
    """A value is outside what the rules accept."""

    code = "INVALID_INPUT"
