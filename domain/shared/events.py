"""The base of domain events: facts recorded by a use case, published after its transaction commits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened; subclasses are frozen dataclasses of plain values."""

    name: ClassVar[str] = "event"
