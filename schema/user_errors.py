"""`userErrors`: expected business failures returned as data, each with a field path and a stable code."""

from __future__ import annotations

from enum import Enum
from typing import TypeVar

import strawberry

from domain.shared.errors import DomainError

CodeT = TypeVar("CodeT", bound=Enum)


@strawberry.interface(description="A business rule refused part of a mutation; show `message` to the user.")
class UserError:
    field: list[str] | None = strawberry.field(description="The path to the input field at fault, if any.")
    message: str = strawberry.field(description="What went wrong, fit to show to a user.")


def field_path(error: DomainError, *, prefix: tuple[str, ...] = ()) -> list[str] | None:
    """Return the input path of the field a domain error names."""
    return [*prefix, error.field] if error.field else None


def code_for(error: DomainError, codes: type[CodeT]) -> CodeT | None:
    """Return the mutation's code for a domain error, or `None` when the mutation does not expect it."""
    return codes.__members__.get(error.code)
