"""What a field's selection asks of the objects it returns: their fields, with the arguments of each."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from schema.context import Info

Wanted = dict[str, list[dict[str, Any]]]  # field name -> the arguments of each time it is selected


def item_fields(info: Info) -> Wanted:
    """Return the fields selected on the objects a list field returns (fragments spread), with their arguments."""
    return _fields(info.selected_fields[0].selections, inside=True) if info.selected_fields else {}


def node_fields(info: Info) -> Wanted:
    """Return the fields selected on a connection's nodes (`edges { node }` or `nodes`), with their arguments."""
    return _fields(info.selected_fields[0].selections, inside=False) if info.selected_fields else {}


def _fields(selections: Sequence[Selection], *, inside: bool) -> Wanted:
    found: Wanted = {}
    for selection in selections:
        if isinstance(selection, (FragmentSpread, InlineFragment)):
            nested = _fields(selection.selections, inside=inside)
        elif not isinstance(selection, SelectedField):
            continue
        elif inside:
            found.setdefault(selection.name, []).append(dict(selection.arguments))
            continue
        elif selection.name in ("edges", "node", "nodes"):
            nested = _fields(selection.selections, inside=selection.name in ("node", "nodes"))
        else:
            continue
        for name, arguments in nested.items():
            found.setdefault(name, []).extend(arguments)
    return found
