"""What a field's selection asks of the objects it returns: their fields, with the arguments of each."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, cast

from graphql.pyutils import Path
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from schema.context import Info

Wanted = dict[str, list[dict[str, Any]]]  # field name -> the arguments of each time it is selected


# Kept per context: a websocket connection's context serves many operations, so its memo is bounded.
MAX_REMEMBERED = 256


def item_fields(info: Info) -> Wanted:
    """Return the fields selected on the object a field returns, or on each object of the list it returns
    (fragments spread), with their arguments."""
    return _remembered(info, inside=True)


def node_fields(info: Info) -> Wanted:
    """Return the fields selected on a connection's nodes (`edges { node }` or `nodes`), with their arguments."""
    return _remembered(info, inside=False)


def _remembered(info: Info, *, inside: bool) -> Wanted:
    """Work the selection out once per field of an execution: every object under a list (each product of a page
    for its `variants`) has the same one. A field is named by its execution (the operation, and the variables'
    values, which arguments may take) and its response path without the list indices, each step with the type of
    the object it was read on. Aliases are in the path, and objects of one type at one path are given the same
    selection (GraphQL collects an object's fields by its type), so two fields with different selections never
    share a name: not even fields of the same alias under a list of an interface, on objects of different types."""
    memo = info.context.selections
    operation, variables = info.operation, info.variable_values  # by identity: a syntax tree's hash walks it all
    key = (inside, id(operation), id(variables), *_typed_path(info.path))
    entry = memo.get(key)
    if entry is not None and entry[0] is operation and entry[1] is variables:
        return cast(Wanted, entry[2])
    found: Wanted = {}
    for field in info.selected_fields:  # several when a selection names the field twice: GraphQL merges them
        for name, arguments in _fields(field.selections, inside=inside).items():
            found.setdefault(name, []).extend(arguments)
    if len(memo) >= MAX_REMEMBERED:
        memo.clear()
    memo[key] = (operation, variables, found)
    return found


def _typed_path(path: Path | None) -> Iterator[tuple[str, str | None]]:
    """Each step of a response path but the list indices, from the field up: its key and the type it is read on."""
    while path is not None:
        if not isinstance(path.key, int):
            yield path.key, path.typename
        path = path.prev


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
