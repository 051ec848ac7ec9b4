"""The executor the schema runs with: graphql-core's, with fast paths for plain attribute fields and plain resolvers.

Most fields of a listing or an export are plain attributes with a scalar value: `name`, `slug`, `amount`,
`currency`. graphql-core pays the same for each of them as for a resolver field: a response path, a resolve-info
tuple, an argument check, the resolver wrapper, a walk down `complete_value` and the scalar's `coerce_output_value`
(≈ 5 µs). Here such a field is read with one `getattr` and its value kept as it is when it is already what the
scalar would return (a `str` for `String` and `ID`, a `bool`, an `int` within GraphQL's 32 bits, a `float`), or the
enum member's name. Anything else (a `None`, a value of another type, a field with an `async` resolver or an
extension, an object type with an `is_type_of` of the application's, a schema with resolver middleware) takes
graphql-core's path unchanged, so errors, nullability and coercion behave exactly as before;
tests/unit/test_execution.py compares both executors on random data, tests/api/test_execution.py on the real schema.

A field with a plain (not `async`) Strawberry resolver, no field extension (permissions are extensions) and no
exception handler in the schema is called directly: graphql-core builds its resolve info and completes its value as
before, but Strawberry's per-call wrapper (a new `Info`, argument conversion, the extension chain, three calls
deep: ≈ 7 µs) is replaced by one call, and arguments written as literals are converted once per request and field
node rather than once per call. The resolver sees the same arguments, `Info`, `self`, `root` and `parent`.

The selections of a query are collected once per operation, not once per request: graphql-core collects an object's
sub-fields (fragments spread, fields merged) afresh in every request, and dispatches each field through five calls
before reading it. An operation's plan (`_OperationPlan`, kept per schema for the parsed document the parser cache
hands back) holds, for each object type and field group it met, the fields to run with their fast paths found, so
that a listing's objects are each one loop over a tuple. A document whose selections depend on its variables
(`@skip` or `@include` with a variable) or that defers or streams is run as graphql-core runs it.

Where every field of a planned selection is a plain attribute (a leaf, an object or a list of objects whose own
selections are plain too, or `__typename`), the plan also compiles the selection into one function
(`_compiled_selection`) that builds the subtree's result dicts in one pass: a price range with its four amounts is
one call, not a dozen trips through the loop. It has no side effects to undo, so at the first value it is not sure
of (None where the type forbids it, anything the completers refuse, an object failing its type check, an attribute
that raises) it returns `SLOW` and the object is completed field by field, which reports the error as graphql-core
does. A plain resolver's object result is completed from the plan the same way (`_call_object`).
"""

from __future__ import annotations

import enum
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Final, cast
from weakref import WeakKeyDictionary, ref

from graphql import (
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLField,
    GraphQLFloat,
    GraphQLID,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLResolveInfoHelpers,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLString,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
)
from graphql.execution.collect_fields import FieldDetails, FragmentDetails, collect_subfields
from graphql.execution.executor import to_nodes
from graphql.execution.values import get_argument_values
from graphql.language import DirectiveNode, FieldNode, FragmentSpreadNode, InlineFragmentNode, Node
from graphql.pyutils import Path, Undefined
from graphql.pyutils.gather_with_cancel import gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.arguments import StrawberryArgument, convert_arguments
from strawberry.types.field import StrawberryField
from strawberry.types.fields.resolver import StrawberryResolver

__all__ = ["LeanExecutor"]

# A plan: the attribute to read and the completer of its value; the completer returns `SLOW` when the value needs
# graphql-core's completion (None, another type, anything unusual).
SLOW: Final = object()
Completer = Callable[[Any], Any]

_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
_EXACT: Final[dict[str, type]] = {
    GraphQLString.name: str,
    GraphQLID.name: str,
    GraphQLBoolean.name: bool,
    GraphQLFloat.name: float,
}
_BUILT_IN: Final = {t.name: t for t in (GraphQLString, GraphQLID, GraphQLBoolean, GraphQLFloat, GraphQLInt)}

# Plans per schema and (type name, field name); a schema's plans go with it (tests build many schemas).
_plans: WeakKeyDictionary[GraphQLSchema, dict[tuple[str, str], _Plan | None]] = WeakKeyDictionary()


def _exact(kind: type) -> Completer:
    def complete(value: Any) -> Any:
        return value if type(value) is kind else SLOW

    return complete


def _int(value: Any) -> Any:
    return value if type(value) is int and _INT_MIN <= value <= _INT_MAX else SLOW


def _scalar(graphql_type: GraphQLScalarType) -> Completer:
    coerce = graphql_type.coerce_output_value

    def complete(value: Any) -> Any:
        if value is None or isinstance(value, Exception):  # graphql-core raises an exception given as a value
            return SLOW
        coerced = coerce(value)
        return SLOW if coerced is None or coerced is Undefined else coerced

    return complete


def _enum(graphql_type: GraphQLEnumType) -> Completer:
    """The enum's own coercion, remembered per member (there are a few; a value that is not one goes to graphql-core
    and is not remembered)."""
    names: dict[Any, str] = {}
    coerce = graphql_type.coerce_output_value

    def complete(value: Any) -> Any:
        try:
            return names[value]
        except (KeyError, TypeError):
            pass
        if not isinstance(value, enum.Enum):
            return SLOW
        names[value] = name = coerce(value)
        return name

    return complete


def _completer(return_type: GraphQLOutputType) -> Completer | None:
    named = return_type.of_type if isinstance(return_type, GraphQLNonNull) else return_type
    if isinstance(named, GraphQLEnumType):
        return _enum(named)
    if not isinstance(named, GraphQLScalarType):
        return None  # lists, objects, abstract types
    if _BUILT_IN.get(named.name) is not named:
        return _scalar(named)
    return _int if named.name == GraphQLInt.name else _exact(_EXACT[named.name])


@dataclass(frozen=True, slots=True)
class _Call:
    """How to call a field's Strawberry resolver with what Strawberry's wrapper would pass it."""

    function: Callable[..., Any]
    graphql_field: GraphQLField
    field: StrawberryField
    arguments: list[StrawberryArgument]
    source_first: bool  # the resolver takes `self`: the source goes first
    source_names: tuple[str, ...]  # its `root` and `parent` parameters: the source by name
    info_name: str | None
    info_class: type[Any]  # `_pathed`: built with (shared resolve info, field, path)
    converter: GraphQLCoreConverter


@dataclass(frozen=True, slots=True)
class _Plan:
    """How to run one field in line: the attribute to read, or the resolver to call; and for an attribute, one of a
    leaf's completer, an object type to execute, or (for a list) the object type of its items and whether they are
    declared non-null. A call's leaf completer, when it has one, completes its ordinary values."""

    attribute: str
    return_type: GraphQLOutputType  # as declared: where an error goes depends on its nullability
    nullable: bool
    leaf: Completer | None = None
    object_type: GraphQLObjectType | None = None
    item_type: GraphQLOutputType | None = None  # a list's item type, as declared
    call: _Call | None = None


# The `is_type_of` Strawberry gives a type that implements an interface: a plain, synchronous `isinstance` check
# (with Strawberry's casts) that does not read its `info`.
_STRAWBERRY_TYPE_CHECKS: Final = frozenset(
    {
        "GraphQLCoreConverter.from_object.<locals>._get_is_type_of.<locals>.is_type_of",
        "GraphQLCoreConverter._get_is_type_of.<locals>.is_type_of",
    }
)


def _inline_object(graphql_type: GraphQLOutputType) -> GraphQLObjectType | None:
    """The object type whose fields can be executed in line: without `is_type_of`, or with Strawberry's own (which
    `_type_checked` runs first); not one with a check of the application's, which graphql-core runs."""
    named = graphql_type.of_type if isinstance(graphql_type, GraphQLNonNull) else graphql_type
    if not isinstance(named, GraphQLObjectType):
        return None
    check = named.is_type_of
    return named if check is None or getattr(check, "__qualname__", None) in _STRAWBERRY_TYPE_CHECKS else None


def _type_checked(object_type: GraphQLObjectType, value: Any) -> bool:
    """Whether `value` passes the object type's `is_type_of` (Strawberry's, which ignores its `info`), if any."""
    check = object_type.is_type_of
    return check is None or check(value, _NO_INFO) is True


_NO_INFO: Any = None  # what `_type_checked` passes as the resolve info Strawberry's checks do not read


# Strawberry's wrapper of a plain resolver (`GraphQLCoreConverter.from_resolver`), the only resolve function replaced.
_STRAWBERRY_RESOLVER: Final = "GraphQLCoreConverter.from_resolver.<locals>._resolver"
# Argument values that one call cannot change for the next: converted once per request and field node.
_SHAREABLE: Final = (str, int, float, bool, type(None), enum.Enum)


def _call_plan(field: GraphQLField, definition: StrawberryField, converter: GraphQLCoreConverter) -> _Call | None:
    """Return how to call the field's resolver directly, or None when Strawberry's wrapper must run: an `async`
    resolver, a field extension or permission, an exception handler in the schema, a subscription, a subclass."""
    resolver = definition.base_resolver
    if (
        resolver is None
        or getattr(field.resolve, "__qualname__", None) != _STRAWBERRY_RESOLVER
        or definition.extensions
        or definition.is_subscription
        or definition.is_async
        or getattr(converter, "_exception_handler_specs", True)  # none, or unknown to this Strawberry: not here
        or type(definition).get_result is not StrawberryField.get_result
        or type(resolver).__call__ is not StrawberryResolver.__call__
        or not callable(resolver.wrapped_func)
    ):
        return None
    by_name = (resolver.root_parameter, resolver.parent_parameter)
    return _Call(
        function=resolver.wrapped_func,
        graphql_field=field,
        field=definition,
        arguments=definition.arguments,
        source_first=resolver.self_parameter is not None,
        source_names=tuple(p.name for p in by_name if p is not None),
        info_name=resolver.info_parameter.name if resolver.info_parameter is not None else None,
        info_class=_pathed(converter.config.info_class),
        converter=converter,
    )


def _plan(field: GraphQLField, converter: GraphQLCoreConverter | None) -> _Plan | None:
    """Return how to run `field` without graphql-core's resolver path, or None when it needs graphql-core."""
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if definition is None:
        return None
    attribute, declared = definition.python_name, field.type
    nullable = not isinstance(declared, GraphQLNonNull)
    if not getattr(field.resolve, "_is_default", False):
        call = None if converter is None else _call_plan(field, definition, converter)
        if call is None:
            return None
        return _Plan(
            attribute, declared, nullable, leaf=_completer(declared), object_type=_inline_object(declared), call=call
        )
    if field.args or definition.default_resolver is not getattr:
        return None
    named = declared.of_type if isinstance(declared, GraphQLNonNull) else declared
    if isinstance(named, GraphQLList):
        item_object = _inline_object(named.of_type)
        return (
            None
            if item_object is None
            else _Plan(attribute, declared, nullable, object_type=item_object, item_type=named.of_type)
        )
    object_type = _inline_object(declared)
    if object_type is not None:
        return _Plan(attribute, declared, nullable, object_type=object_type)
    leaf = _completer(declared)
    return None if leaf is None else _Plan(attribute, declared, nullable, leaf=leaf)


# Directives the plan of an operation may hold: `@skip` and `@include` with a literal condition collect the same
# fields in every request; with a variable they do not, and `@defer` and `@stream` need graphql-core's delivery.
_LITERAL_DIRECTIVES: Final = frozenset({"skip", "include"})
_MAX_OPERATIONS: Final = 256  # plans kept per schema, as many as the parser and validation caches keep documents


def _selections_of(node: Node) -> Iterator[Node]:
    selection_set = getattr(node, "selection_set", None)
    if isinstance(selection_set, SelectionSetNode):
        yield from selection_set.selections


def _fixed_selections(operation: OperationDefinitionNode, fragments: dict[str, FragmentDetails]) -> bool:
    """Whether the operation collects the same fields whatever its variables: no directive but `@skip` and
    `@include`, none of them with a variable, and no fragment with arguments."""
    pending: list[Node] = [operation, *(details.definition for details in fragments.values())]
    while pending:
        node = pending.pop()
        if isinstance(node, FieldNode | FragmentSpreadNode | InlineFragmentNode):
            directives: tuple[DirectiveNode, ...] = tuple(node.directives or ())
            for directive in directives:
                if directive.name.value not in _LITERAL_DIRECTIVES:
                    return False
                if any(isinstance(argument.value, VariableNode) for argument in directive.arguments or ()):
                    return False
            if isinstance(node, FragmentSpreadNode) and getattr(node, "arguments", None):
                return False
        pending.extend(_selections_of(node))
    return True


@dataclass(frozen=True, slots=True, eq=False)
class _Step:
    """One response key of a selection: its field group and how to run it (no plan: graphql-core's way)."""

    name: str
    details: list[FieldDetails]
    plan: _Plan | None
    typename: bool  # `__typename`, answered with the parent type's name


def _step(executor: LeanExecutor, parent_type: GraphQLObjectType, name: str, group: list[FieldDetails]) -> _Step:
    field_name = group[0].node.name.value
    typename = field_name == "__typename"
    return _Step(name, group, None if typename else executor._lean_plan(parent_type, field_name), typename)


class _Selection:
    """The fields of one object type under one field group, collected; and, once its operation's plan has looked,
    the function that completes the whole subtree at once (`compiled`), or None when it has fields that need the
    executor."""

    __slots__ = ("compiled", "parent_type", "steps")

    def __init__(self, parent_type: GraphQLObjectType, steps: tuple[_Step, ...]) -> None:
        self.parent_type = parent_type
        self.steps = steps
        self.compiled: Completer | object | None = _UNCOMPILED


_UNCOMPILED: Final = object()
# How a compiled selection completes one field's value (not None): a leaf's completer, an object's selection, a
# list's items' selection; `__typename` is the parent type's name.
_LEAF, _OBJECT, _LIST, _TYPENAME = range(4)
_Part = tuple[str, str, int, Completer, "Callable[..., Any] | None", bool]


def _no_completer(value: Any) -> Any:  # pragma: no cover - `__typename` is answered without one
    return SLOW


def _compiled_selection(parts: tuple[_Part, ...]) -> Completer:
    """Return the function that completes a selection of plain attributes in one pass: the result dict, or `SLOW`
    at the first value that is out of the ordinary (None where the type forbids it, a value the scalar refuses, an
    object of another type, an attribute that raises), for the executor to complete the selection again its way.
    Nothing here has side effects (plain attributes only), so starting again changes nothing but the time taken."""

    def complete(source: Any) -> Any:
        result: dict[str, Any] = {}
        try:
            for name, attribute, kind, run, check, nullable in parts:
                if kind == _TYPENAME:
                    result[name] = attribute
                    continue
                value = getattr(source, attribute)
                if value is None:
                    if not nullable:
                        return SLOW
                    result[name] = None
                    continue
                if kind == _LEAF:
                    completed = run(value)
                elif kind == _OBJECT:
                    if isinstance(value, Exception) or (check is not None and check(value, None) is not True):
                        return SLOW
                    completed = run(value)
                else:
                    if type(value) is not list and type(value) is not tuple:
                        return SLOW
                    completed = []
                    for item in value:
                        if (
                            item is None
                            or isinstance(item, Exception)
                            or (check is not None and check(item, None) is not True)
                        ):
                            return SLOW
                        done = run(item)
                        if done is SLOW:
                            return SLOW
                        completed.append(done)
                if completed is SLOW:
                    return SLOW
                result[name] = completed
        except Exception:
            return SLOW  # the executor reads it again, and reports the error on its path
        return result

    return complete


class _OperationPlan:
    """An operation's selections, collected once and shared by every request that runs it.

    Selections are found by the identity of their field group: the groups a plan hands out are its own (collected
    with the first request, kept alive here), so a request's executor, graphql-core's paths included, passes them
    back. A group the plan did not make (a mutation's root fields, collected per request) is not planned."""

    __slots__ = ("_groups", "_root", "_selections", "fixed", "operation")

    def __init__(self, operation: OperationDefinitionNode, *, fixed: bool) -> None:
        self.operation = operation  # kept alive: plans are keyed by its identity
        self.fixed = fixed  # its selections are the same in every request: the plan may be used
        self._root: _Selection | None = None
        self._groups: dict[int, list[FieldDetails]] = {}
        self._selections: dict[tuple[int, int], _Selection | None] = {}

    def root(self, executor: LeanExecutor, root_type: GraphQLObjectType, fields: dict[str, Any]) -> _Selection | None:
        """Return the root fields' selection, made from the first request's collected fields."""
        if self._root is None or self._root.parent_type is not root_type:
            self._root = self._compile(executor, root_type, fields)
        return self._root

    def selection(
        self, executor: LeanExecutor, object_type: GraphQLObjectType, group: list[FieldDetails]
    ) -> _Selection | None:
        """Return the selection of `object_type` under a field group of this plan, or None."""
        key = (id(object_type), id(group))
        try:
            return self._selections[key]
        except KeyError:
            pass
        if id(group) not in self._groups:
            return None  # not one of ours: its identity is not stable across requests
        collected = collect_subfields(
            executor.schema,
            executor.fragments,
            executor.variable_values,
            executor.operation,
            object_type,
            group,
            executor.hide_suggestions,
        )
        fields, deferred, _forbidden = collected
        found = None if deferred else self._compile(executor, object_type, fields)
        self._selections[key] = found
        return found

    def compiled(self, executor: LeanExecutor, selection: _Selection) -> Completer | None:
        """Return the function that completes `selection` (one of this plan's) in one pass, or None when a field of
        it, or of an object under it, is not a plain attribute (a resolver, a field run by graphql-core). Found
        once, with the selections under it, and kept on the selection."""
        found = selection.compiled
        if found is not _UNCOMPILED:
            return cast("Completer | None", found)
        parts: list[_Part] = []
        compiled: Completer | None = None
        for step in selection.steps:
            plan = step.plan
            if step.typename:
                parts.append((step.name, selection.parent_type.name, _TYPENAME, _no_completer, None, False))
                continue
            if plan is None or plan.call is not None:
                break
            if plan.leaf is not None:
                parts.append((step.name, plan.attribute, _LEAF, plan.leaf, None, plan.nullable))
                continue
            object_type = cast("GraphQLObjectType", plan.object_type)
            below = self.selection(executor, object_type, step.details)
            run = None if below is None else self.compiled(executor, below)
            if run is None:
                break
            kind = _OBJECT if plan.item_type is None else _LIST
            parts.append((step.name, plan.attribute, kind, run, object_type.is_type_of, plan.nullable))
        else:
            compiled = _compiled_selection(tuple(parts))
        selection.compiled = compiled
        return compiled

    def _compile(
        self, executor: LeanExecutor, parent_type: GraphQLObjectType, fields: dict[str, list[FieldDetails]]
    ) -> _Selection | None:
        steps = []
        for name, group in fields.items():
            if any(details.fragment_variable_values is not None or details.defer_usage for details in group):
                return None
            self._groups[id(group)] = group
            steps.append(_step(executor, parent_type, name, group))
        return _Selection(parent_type, tuple(steps))


_operations: WeakKeyDictionary[GraphQLSchema, OrderedDict[int, _OperationPlan]] = WeakKeyDictionary()


def _operation_plan(
    schema: GraphQLSchema, operation: OperationDefinitionNode, fragments: dict[str, FragmentDetails]
) -> _OperationPlan | None:
    """Return the plan of the operation, or None when its selections depend on its variables; the least recently
    used plan goes when the schema has too many. Plans are keyed by the identity of the operation's node, which the
    parser cache hands back for the same text, and hold the node: its identity cannot be reused while planned."""
    plans = _operations.get(schema)
    if plans is None:
        plans = _operations[schema] = OrderedDict()
    key = id(operation)
    plan = plans.get(key)
    if plan is None:
        plan = plans[key] = _OperationPlan(operation, fixed=_fixed_selections(operation, fragments))
        if len(plans) > _MAX_OPERATIONS:
            plans.popitem(last=False)
    else:
        plans.move_to_end(key)
    return plan if plan.fixed else None


def _weak_helpers(executor: LeanExecutor) -> GraphQLResolveInfoHelpers:
    """Return graphql-core's resolver helpers for `executor`, without a reference from them to it."""
    weak = ref(executor)

    def gather(values: Sequence[Awaitable[Any]]) -> Awaitable[list[Any]]:
        return _alive(weak).gather_async_work(values)

    def track(values: Sequence[Any]) -> None:
        _alive(weak).track_async_work(values)

    return GraphQLResolveInfoHelpers(gather=gather, track=track)


def _alive(weak: ref[LeanExecutor]) -> LeanExecutor:
    executor = weak()
    if executor is None:  # pragma: no cover - a resolver outliving its operation's execution
        raise RuntimeError("the operation's execution has ended")
    return executor


_PATHED: dict[type[Any], type[Any]] = {}


def _pathed(info_class: type[Any]) -> type[Any]:
    """Return Strawberry's `Info` class (or the schema's own) over a resolve info shared by every call of a field
    in a request, with each call's own path: resolvers read `info.path`, never the shared info's."""
    known = _PATHED.get(info_class)
    if known is not None:
        return known

    class _PathedInfo(info_class):  # type: ignore[misc]
        def __init__(self, raw: GraphQLResolveInfo[Any], field: Any, path: Path) -> None:
            self._raw_info = raw
            self._field = field
            self._path = path

        @property
        def path(self) -> Path:
            return self._path

    _PATHED[info_class] = _PathedInfo
    return _PathedInfo


class LeanExecutor(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor, with plain attribute fields read and completed in line, and plain resolvers called
    without Strawberry's per-call wrapper."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        schema = self.schema
        plans = _plans.get(schema)
        if plans is None:
            plans = _plans[schema] = {}
        middleware = self.middleware_manager
        self._lean_plans = plans if middleware is None or not middleware.middlewares else None
        strawberry_schema = getattr(schema, "_strawberry_schema", None)
        self._converter: GraphQLCoreConverter | None = getattr(strawberry_schema, "schema_converter", None)
        self._shared_arguments: dict[int, dict[str, Any]] = {}  # per field node: literal arguments, converted
        self._unplanned: dict[tuple[int, str], tuple[Any, _Selection]] = {}  # field sets graphql-core collected
        # Per field (its details and parent type): the resolve info its calls share, all but the path (`_lean_call`).
        self._resolve_infos: dict[tuple[int, str], tuple[Any, GraphQLResolveInfo[Any]]] = {}
        self._operation_plan = (
            None if self._lean_plans is None else _operation_plan(schema, self.operation, self.fragments)
        )
        # graphql-core keeps bound methods of the executor in `async_helpers`, on the executor: a reference cycle,
        # through which the context, its loaders and every row the request read (≈ 1,000 objects for a listing of
        # 24) waited for a garbage collection instead of being freed when the request ended. The same helpers,
        # holding the executor weakly.
        self.async_helpers = _weak_helpers(self)

    def _lean_plan(self, parent_type: GraphQLObjectType, field_name: str) -> _Plan | None:
        plans = self._lean_plans
        if plans is None:
            return None
        key = (parent_type.name, field_name)
        try:
            return plans[key]
        except KeyError:
            field = parent_type.fields.get(field_name)
            plan = plans[key] = None if field is None else _plan(field, self._converter)
            return plan

    def execute_root_grouped_field_set(
        self,
        root_type: GraphQLObjectType,
        root_value: Any,
        grouped_field_set: Any,
        serially: bool,
        position_context: Any,
    ) -> Any:
        """Run a query's root fields from the operation's plan (a mutation's run one after another, as before)."""
        plan = self._operation_plan
        if plan is not None and not serially and position_context is None:
            selection = plan.root(self, root_type, grouped_field_set)
            if selection is not None:
                return self._run_selection(selection, root_value, None)
        return super().execute_root_grouped_field_set(
            root_type, root_value, grouped_field_set, serially, position_context
        )

    def collect_and_execute_subfields(
        self,
        return_type: GraphQLObjectType,
        field_details_list: Any,
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        """Run an object's fields from the operation's plan, when it holds them; otherwise as graphql-core does."""
        plan = self._operation_plan
        if plan is not None and position_context is None:
            selection = plan.selection(self, return_type, field_details_list)
            if selection is not None:
                return self._complete(plan, selection, result, path)
        return super().collect_and_execute_subfields(return_type, field_details_list, path, result, position_context)

    def _complete(self, plan: _OperationPlan, selection: _Selection, source: Any, path: Path) -> Any:
        """Complete an object of a planned selection: in one pass when the whole subtree is plain attributes with
        ordinary values, otherwise field by field."""
        compiled: Any = selection.compiled  # a `Completer`, None, or `_UNCOMPILED` (no `cast`: a call per object)
        if compiled is _UNCOMPILED:
            compiled = plan.compiled(self, selection)
        if compiled is not None:
            completed = compiled(source)
            if completed is not SLOW:
                return completed
        return self._run_selection(selection, source, path)

    def _run_selection(
        self, selection: _Selection, source: Any, path: Path | None, position_context: Any = None
    ) -> Any:
        """`execute_fields` over a planned selection: plain attributes with a scalar value read in line, the other
        planned fields through their fast path, and the rest (or any value out of the ordinary) by graphql-core."""
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        parent_type = selection.parent_type
        awaitable_fields: list[str] = []
        try:
            for step in selection.steps:
                name, plan = step.name, step.plan
                if plan is None:
                    if step.typename:
                        results[name] = parent_type.name
                        continue
                    result = SLOW
                elif plan.call is not None:
                    result = self._lean_call(plan, parent_type, source, step.details, path, name, position_context)
                elif plan.leaf is not None:
                    try:
                        value = getattr(source, plan.attribute)
                        result = plan.leaf(value) if value is not None else None if plan.nullable else SLOW
                    except Exception:
                        result = SLOW  # graphql-core reads it again and reports the error on its path
                    if result is not SLOW:
                        results[name] = result  # a completed scalar (or null): never awaitable
                        continue
                else:
                    result = self._lean_field(plan, parent_type, source, step.details, path, name, position_context)
                if result is SLOW:
                    field_path = Path(path, name, parent_type.name)
                    result = self.execute_field(parent_type, source, step.details, field_path, position_context)
                    if result is Undefined:
                        continue
                results[name] = result
                if is_awaitable(result):
                    awaitable_fields.append(name)
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[field] for field in awaitable_fields])
            raise
        if not awaitable_fields:
            return results
        return self._gathered(results, awaitable_fields)

    async def _gathered(self, results: dict[str, Any], awaitable_fields: list[str]) -> dict[str, Any]:
        if len(awaitable_fields) == 1:
            field = awaitable_fields[0]
            results[field] = await results[field]
        else:
            awaited = await gather_with_cancel(*(results[field] for field in awaitable_fields))
            results.update(zip(awaitable_fields, awaited, strict=True))
        return results

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: Any,
        position_context: Any,
    ) -> Any:
        """graphql-core's `execute_fields` for the fields it collected itself (an operation without a plan, a
        mutation's root): run as a planned selection, made once per request for each field set (graphql-core
        hands the same set to every item of a list)."""
        key = (id(grouped_field_set), parent_type.name)
        found = self._unplanned.get(key)
        if found is None:
            steps = tuple(_step(self, parent_type, name, group) for name, group in grouped_field_set.items())
            found = self._unplanned[key] = (grouped_field_set, _Selection(parent_type, steps))
        return self._run_selection(found[1], source_value, path, position_context)

    def _lean_field(
        self,
        plan: _Plan,
        parent_type: GraphQLObjectType,
        source_value: Any,
        field_details_list: Any,
        path: Path | None,
        response_name: str,
        position_context: Any,
    ) -> Any:
        """The field's completed value (or an awaitable of it), or `SLOW` when graphql-core should resolve it.

        `SLOW` is returned before anything is executed, so graphql-core starts the field afresh."""
        try:
            value = getattr(source_value, plan.attribute)
        except Exception:
            return SLOW  # graphql-core reads it again and reports the error on its path
        if value is None:
            return None if plan.nullable else SLOW  # graphql-core reports the null where it is not allowed
        if plan.leaf is not None:
            try:
                return plan.leaf(value)
            except Exception:
                return SLOW
        if isinstance(value, Exception) or self.is_awaitable(value):
            return SLOW
        items = value if plan.item_type is not None else None
        object_type = cast("GraphQLObjectType", plan.object_type)
        if items is None:
            if not _type_checked(object_type, value):
                return SLOW  # graphql-core reports the value that is not of the type
        elif type(items) not in (list, tuple) or any(i is None or not _type_checked(object_type, i) for i in items):
            return SLOW
        field_path = Path(path, response_name, parent_type.name)
        try:
            if items is None:
                completed = self.collect_and_execute_subfields(
                    object_type, field_details_list, field_path, value, position_context
                )
            else:
                completed = self._lean_list(plan, field_details_list, field_path, items, position_context)
        except Exception as error:
            self.handle_field_error(error, plan.return_type, field_details_list, field_path)
            return None
        if self.is_awaitable(completed):
            return self._settle(completed, plan.return_type, field_details_list, field_path)
        return completed

    def _lean_call(
        self,
        plan: _Plan,
        parent_type: GraphQLObjectType,
        source_value: Any,
        field_details_list: Any,
        path: Path | None,
        response_name: str,
        position_context: Any,
    ) -> Any:
        """graphql-core's `execute_field` for a field whose Strawberry resolver is called directly."""
        call = cast("_Call", plan.call)
        return_type = plan.return_type
        field_path = Path(path, response_name, parent_type.name)
        # One resolve info per field and request, built at its first call: every call of the field in the request
        # would build the same one but for the path (≈ 1.5 µs a call), which `_PathedInfo` gives the resolver.
        key = (id(field_details_list), parent_type.name)
        shared = self._resolve_infos.get(key)
        if shared is None:
            info = self.build_resolve_info(call.graphql_field, to_nodes(field_details_list), parent_type, field_path)
            shared = self._resolve_infos[key] = (field_details_list, info)
        info = shared[1]
        try:
            strawberry_info = call.info_class(info, call.field, field_path)
            kwargs = self._call_arguments(call, field_details_list[0], strawberry_info)
            for name in call.source_names:
                kwargs[name] = source_value
            if call.info_name is not None:
                kwargs[call.info_name] = strawberry_info
            result = call.function(source_value, **kwargs) if call.source_first else call.function(**kwargs)
            if self.is_awaitable(result):
                return self.complete_awaitable_value(
                    return_type, field_details_list, info, field_path, result, position_context
                )
            if plan.leaf is not None and result is not None:
                try:
                    completed = plan.leaf(result)
                except Exception:
                    completed = SLOW  # graphql-core's completion below raises it again, as its own
                if completed is not SLOW:
                    return completed
            completed = self._call_object(plan, field_details_list, field_path, result, position_context)
            if completed is SLOW:
                completed = self.complete_value(
                    return_type, field_details_list, info, field_path, result, position_context
                )
        except Exception as error:
            self.handle_field_error(error, return_type, field_details_list, field_path)
            return None
        if self.is_awaitable(completed):
            return self._settle(completed, return_type, field_details_list, field_path)
        return completed

    def _call_object(
        self, plan: _Plan, field_details_list: Any, field_path: Path, result: Any, position_context: Any
    ) -> Any:
        """A resolver's object, completed from the operation's plan as graphql-core's `complete_object_value`
        would (without its walk down `complete_value`), or `SLOW` for graphql-core's way."""
        object_type, operation = plan.object_type, self._operation_plan
        if (
            object_type is None
            or operation is None
            or position_context is not None
            or result is None
            or isinstance(result, Exception)
            or not _type_checked(object_type, result)
        ):
            return SLOW
        selection = operation.selection(self, object_type, field_details_list)
        return SLOW if selection is None else self._complete(operation, selection, result, field_path)

    def _call_arguments(self, call: _Call, details: Any, info: Any) -> dict[str, Any]:
        """The resolver's keyword arguments, as Strawberry's `get_arguments` converts them (a new dict each call)."""
        field = call.graphql_field
        node = details.node
        if not (field.args or node.arguments):
            return {}
        shareable = details.fragment_variable_values is None
        if shareable and (known := self._shared_arguments.get(id(node))) is not None:
            return dict(known)
        values = get_argument_values(
            field, node, self.variable_values, details.fragment_variable_values, self.hide_suggestions
        )
        converter = call.converter
        kwargs = convert_arguments(
            values, call.arguments, scalar_registry=converter.scalar_registry, config=converter.config, info=info
        )
        if shareable and all(isinstance(value, _SHAREABLE) for value in kwargs.values()):
            self._shared_arguments[id(node)] = dict(kwargs)
        return kwargs

    def _lean_list(
        self, plan: _Plan, field_details_list: Any, field_path: Path, items: Sequence[Any], position_context: Any
    ) -> Any:
        """graphql-core's `complete_iterable_value` for a list of objects, none of them null or awaitable."""
        is_awaitable = self.is_awaitable
        object_type = cast("GraphQLObjectType", plan.object_type)
        item_type = cast("GraphQLOutputType", plan.item_type)
        operation = self._operation_plan
        selection = (  # the items' selection, found once for the list
            None
            if operation is None or position_context is not None
            else operation.selection(self, object_type, field_details_list)
        )
        planned: Any = operation  # set wherever `selection` is (cast once, not per item)
        completed: list[Any] = []
        awaitable_indices: list[int] = []
        try:
            for index, item in enumerate(items):
                item_path = field_path.add_key(index, None)
                try:
                    if selection is not None:
                        result = self._complete(planned, selection, item, item_path)
                    else:
                        result = self.collect_and_execute_subfields(
                            object_type, field_details_list, item_path, item, position_context
                        )
                except Exception as error:
                    self.handle_field_error(error, item_type, field_details_list, item_path)
                    result = None
                if is_awaitable(result):
                    result = self._settle(result, item_type, field_details_list, item_path)
                    awaitable_indices.append(index)
                completed.append(result)
        except Exception:
            if awaitable_indices:  # the items started before the error still run, and their errors are collected
                self.settle_in_background([completed[index] for index in awaitable_indices])
            raise
        if not awaitable_indices:
            return completed

        async def completed_results() -> list[Any]:
            awaited = await gather_with_cancel(*(completed[index] for index in awaitable_indices))
            for index, result in zip(awaitable_indices, awaited, strict=True):
                completed[index] = result
            return completed

        return completed_results()

    async def _settle(
        self, completed: Awaitable[Any], return_type: GraphQLOutputType, field_details_list: Any, path: Path
    ) -> Any:
        """Await a completion, reporting its error as graphql-core would for a field (or item) of `return_type`."""
        try:
            return await completed
        except Exception as error:
            self.handle_field_error(error, return_type, field_details_list, path)
            return None
