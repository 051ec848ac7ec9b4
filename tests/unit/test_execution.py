"""The lean executor (app/execution.py) answers exactly as graphql-core's: same data, same errors, same paths.

A small schema holds every shape the fast path reads in line (scalars of each kind, an enum, a custom scalar,
nullable and non-null objects and lists of them, objects of a type implementing an interface, and values that are
not of their type) and every kind of resolver it calls directly (taking `self`, `root`,
`parent` or `info`; arguments as literals, variables, defaults, enums, lists and input objects; returning a scalar,
an object, an awaitable or an exception; raising) beside those it leaves to Strawberry (async, with a permission),
and hypothesis builds object graphs with awkward values (None where non-null is declared, ints beyond 32 bits, an
int for an ID, attributes that raise). Both executors run the same operation on the same graph.
"""

from __future__ import annotations

import asyncio
import enum
import json
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, cast

import pytest
import strawberry
from graphql.execution.collect_fields import collect_subfields
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strawberry.extensions import ParserCache
from strawberry.permission import BasePermission
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types import ExecutionResult

from app.execution import LeanExecutor


class Boom(Exception):
    pass


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


def _raising() -> property:
    def fail(_self: object) -> Any:
        raise Boom("attribute failed")

    return property(fail)


@strawberry.type
class Money:
    amount: Decimal
    currency: str


@strawberry.input
class Affix:
    text: str
    repeat: int = 1


class NotThree(BasePermission):
    message = "not for a count of 3"

    def has_permission(self, source: Any, info: strawberry.Info, **kwargs: Any) -> bool:
        return getattr(source, "count", None) != 3  # (a name of "boom" would be masked: `shout` fails then)


def _root_label(root: Leaf) -> str | None:
    return root.label


def _parent_count(parent: strawberry.Parent[Leaf]) -> int:
    return parent.count


def _guarded(root: Leaf) -> str:
    return root.name


@strawberry.interface
class Named:
    name: str


@strawberry.type
class Leaf(Named):  # implementing an interface gives it Strawberry's `is_type_of`, run before its fields
    name: str
    label: str | None
    count: int
    ratio: float | None
    flag: bool
    ref: strawberry.ID
    colour: Colour | None
    price: Money | None
    price_required: Money

    @strawberry.field
    def shout(self) -> str:
        if self.name == "boom":
            raise Boom("resolver failed")
        return self.name.upper()

    @strawberry.field
    async def later(self) -> int | None:
        await asyncio.sleep(0)
        if self.count == 13:
            raise Boom("async resolver failed")
        return self.count

    @strawberry.field
    def tag(self, info: strawberry.Info, prefix: str = "x", colour: Colour = Colour.RED, times: int = 1) -> str:
        """Arguments, defaults and where the resolver is called from."""
        if self.name == "boom" and prefix == "v":
            raise Boom("tag failed")
        path = "/".join(str(key) for key in info.path.as_list())
        return f"{prefix * times}:{colour.value}:{info.field_name}:{info.return_type}:{path}:{self.name}"

    @strawberry.field
    def pick(self, words: list[str] | None = None, affix: Affix | None = None) -> str:
        """Mutates its list argument: a list shared between calls would grow from one to the next."""
        chosen = words if words is not None else []
        chosen.append(str(self.count))
        text = affix.text * affix.repeat if affix is not None else ""
        return f"{len(chosen)}:{','.join(chosen)}:{text}"

    @strawberry.field
    def twin(self) -> Money | None:
        """An object (or whatever the price is) as the result."""
        return self.price

    @strawberry.field
    def twin_required(self) -> Money:
        return self.price_required

    @strawberry.field
    def echo(self) -> int:
        """The count, however awkward, where a non-null Int is declared."""
        return self.count

    @strawberry.field
    def soon(self) -> int | None:
        """A plain resolver returning an awaitable."""

        async def later() -> int | None:
            await asyncio.sleep(0)
            if self.count == 13:
                raise Boom("awaitable failed")
            return self.count

        return later()  # type: ignore[return-value]

    @strawberry.field
    def failure(self) -> str | None:
        """An exception returned, not raised: graphql-core reports it."""
        return Boom("returned") if self.name == "boom" else self.name  # type: ignore[return-value]

    @strawberry.field
    def chosen_colour(self) -> Colour | None:
        return self.colour

    root_label: str | None = strawberry.field(resolver=_root_label)
    parent_count: int = strawberry.field(resolver=_parent_count)

    guarded: str = strawberry.field(resolver=_guarded, permission_classes=[NotThree])


@strawberry.type
class Card(Named):
    """Plain attributes only, objects and lists of them included: completed in one pass when its values are."""

    name: str
    code: strawberry.ID
    colour: Colour | None
    price: Money | None
    prices: list[Money] | None
    inner: Card | None = None


@strawberry.type
class Branch:
    title: str
    leaf: Leaf | None
    leaf_required: Leaf
    leaves: list[Leaf]
    maybe_leaves: list[Leaf | None] | None
    some_leaves: list[Leaf | None]
    strict_leaves: list[Leaf] | None
    card: Card | None = None
    cards: list[Card] = strawberry.field(default_factory=list)


@strawberry.type
class Query:
    @strawberry.field
    def branches(self, info: strawberry.Info) -> list[Branch | None]:
        branches: list[Branch | None] = info.context["branches"]
        return branches


OPERATION = """
query Everything($prefix: String = "v", $words: [String!]) {
  branches {
    title
    leaf { ...LeafFields }
    leafRequired { ...LeafFields }
    leaves { ...LeafFields }
    maybeLeaves { name alias: count later __typename }
    someLeaves { name count later priceRequired { amount } }
    strictLeaves { label later colour }
    card { ...CardFields inner { name __typename price { currency } } }
    cards { ...CardFields }
  }
}
fragment CardFields on Card {
  name code colour __typename
  price { amount currency }
  prices { amount currency }
}
fragment LeafFields on Leaf {
  name label count ratio flag ref colour shout later
  price { amount currency }
  priceRequired { amount currency }
  skipped: name @skip(if: true)
  included: label @include(if: true)
  tag
  tagged: tag(prefix: $prefix, colour: BLUE, times: 2)
  literal: tag(prefix: "l")
  pick(words: $words)
  pickLiteral: pick(words: ["a"], affix: {text: "y", repeat: 2})
  twin { amount currency }
  twinRequired { currency }
  echo soon failure chosenColour rootLabel parentCount guarded
}
"""

lean = strawberry.Schema(query=Query, execution_context_class=LeanExecutor)
stock = strawberry.Schema(query=Query, execution_context_class=StrawberryGraphQLCoreExecutionContext)


# Values a field may hold: right ones mostly (an awkward value nulls its whole branch, hiding what else differs),
# and the awkward ones a bug would show on, one time in eight.
def _mostly(good: st.SearchStrategy[Any], awkward: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.integers(0, 7).flatmap(lambda roll: awkward if roll == 0 else good)


strings = _mostly(st.sampled_from(["a", "boom", "é"]), st.one_of(st.none(), st.integers(0, 3)))
ints = _mostly(st.integers(-5, 20), st.sampled_from([2**31 - 1, 2**31, -(2**31) - 1, None, "7", 13]))
moneys = _mostly(
    st.builds(Money, amount=st.sampled_from([Decimal("1.50"), Decimal("0")]), currency=st.just("EUR")),
    st.one_of(st.builds(Money, amount=st.none(), currency=st.just("EUR")), st.none()),
)
_RAISING = {
    name: type(f"Raising{name}", (Leaf,), {name: _raising()}) for name in ("name", "label", "price_required", "colour")
}


@st.composite
def leaves(draw: st.DrawFn) -> Leaf:
    leaf = Leaf(
        name=draw(strings),
        label=draw(st.one_of(strings, st.none())),
        count=draw(ints),
        ratio=draw(_mostly(st.floats(-2, 2), st.sampled_from([None, 3, "x"]))),
        flag=draw(_mostly(st.booleans(), st.sampled_from([None, 1]))),
        ref=draw(_mostly(st.just(strawberry.ID("p1")), st.sampled_from([2, None]))),
        colour=draw(_mostly(st.sampled_from(Colour), st.sampled_from([None, "red"]))),
        price=draw(st.one_of(moneys, st.none())),
        price_required=draw(moneys),
    )
    roll = draw(st.integers(0, 15))
    if roll == 0:  # an attribute that raises when read
        attribute = draw(st.sampled_from(sorted(_RAISING)))
        raising: Leaf = object.__new__(_RAISING[attribute])
        raising.__dict__.update((k, v) for k, v in vars(leaf).items() if k != attribute)
        return raising
    if roll == 1:  # a Leaf's attributes, but not a Leaf: the type check refuses it
        return cast("Leaf", SimpleNamespace(**vars(leaf)))
    return leaf


_RAISING_CARDS = {name: type(f"Raising{name}", (Card,), {name: _raising()}) for name in ("name", "price")}


@st.composite
def cards(draw: st.DrawFn, inner: st.SearchStrategy[Card | None] | None = None) -> Card:
    card = Card(
        name=draw(strings),
        code=draw(_mostly(st.just(strawberry.ID("c1")), st.sampled_from([2, None]))),
        colour=draw(_mostly(st.sampled_from(Colour), st.sampled_from([None, "red"]))),
        price=draw(st.one_of(moneys, st.none())),
        prices=draw(_mostly(st.lists(moneys, max_size=2), st.one_of(st.none(), st.just((None,)), st.just("ab")))),
        inner=None if inner is None else draw(inner),
    )
    roll = draw(st.integers(0, 15))
    if roll == 0:
        attribute = draw(st.sampled_from(sorted(_RAISING_CARDS)))
        raising: Card = object.__new__(_RAISING_CARDS[attribute])
        raising.__dict__.update((k, v) for k, v in vars(card).items() if k != attribute)
        return raising
    if roll == 1:
        return cast("Card", SimpleNamespace(**vars(card)))
    return card


def _lists() -> st.SearchStrategy[Any]:
    return _mostly(st.lists(leaves(), max_size=3), st.one_of(st.lists(st.one_of(leaves(), st.none())), st.none()))


branches = st.builds(
    Branch,
    title=_mostly(st.just("t"), st.none()),
    leaf=st.one_of(leaves(), st.none()),
    leaf_required=_mostly(leaves(), st.none()),
    leaves=_lists(),
    maybe_leaves=_lists(),
    some_leaves=_lists(),
    strict_leaves=_lists(),
    card=st.one_of(cards(inner=st.one_of(cards(), st.none())), st.none()),
    cards=_mostly(st.lists(cards(), max_size=3), st.one_of(st.none(), st.just([None]))),
)


# The same fields, collected per request: a `@skip` that takes a variable keeps the operation out of the plans.
PER_REQUEST = OPERATION.replace("$words: [String!])", "$words: [String!], $never: Boolean = true)").replace(
    "@skip(if: true)", "@skip(if: $never)"
)


def _answer(
    schema: strawberry.Schema,
    graph: list[Branch | None],
    variables: dict[str, Any] | None = None,
    operation: str = OPERATION,
) -> str:
    async def execute() -> ExecutionResult:
        result = await schema.execute(operation, context_value={"branches": graph}, variable_values=variables)
        # Both executors leave the siblings of a failed non-null field to finish in the background (their errors
        # are dropped); let them, as a server's loop would, rather than close the loop on them.
        pending = asyncio.all_tasks() - {asyncio.current_task()}
        if pending:
            await asyncio.wait(pending)
        return result

    result = asyncio.run(execute())
    errors = [
        {"message": e.message, "path": e.path, "locations": [(loc.line, loc.column) for loc in e.locations or []]}
        for e in result.errors or []
    ]
    errors.sort(key=lambda e: json.dumps(e["path"]))  # errors of concurrent async fields arrive in any order
    return json.dumps({"data": result.data, "errors": errors}, default=str)  # key order compared too


variable_values = st.fixed_dictionaries(
    {},
    optional={
        "prefix": st.one_of(st.sampled_from(["v", "w", ""]), st.none(), st.just(7)),
        "words": st.one_of(st.lists(st.sampled_from(["p", "q"]), max_size=2), st.none()),
    },
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(branches, st.none()), max_size=3), variable_values)
def test_the_lean_executor_answers_as_graphql_core_does(graph: list[Branch | None], variables: dict[str, Any]) -> None:
    assert _answer(lean, graph, variables) == _answer(stock, graph, variables)
    assert _answer(lean, graph, variables, PER_REQUEST) == _answer(stock, graph, variables, PER_REQUEST)


def _leaf(name: str, *, label: str | None = None, colour: Colour = Colour.RED) -> Leaf:
    """A leaf with a right value in every field."""
    money = Money(amount=Decimal("1.50"), currency="EUR")
    return Leaf(
        name=name,
        label=label,
        count=1,
        ratio=0.5,
        flag=True,
        ref=strawberry.ID("x"),
        colour=colour,
        price=money,
        price_required=money,
    )


def test_plain_fields_skip_graphql_cores_field_path() -> None:
    """The comparison above would pass if the fast path never ran: only the fields Strawberry must run itself may
    reach graphql-core's `execute_field` when every value is well formed."""
    slow: list[str] = []

    class Counting(LeanExecutor):
        def execute_field(self, parent_type: Any, source: Any, fields: Any, path: Any, context: Any) -> Any:
            slow.append(f"{parent_type.name}.{fields[0].node.name.value}")
            return super().execute_field(parent_type, source, fields, path, context)

    graph: list[Branch | None] = [
        Branch(
            title="t",
            leaf=_leaf("a"),
            leaf_required=_leaf("b"),
            leaves=[_leaf("c")],
            maybe_leaves=[_leaf("d")],
            some_leaves=[_leaf("e")],
            strict_leaves=[_leaf("f")],
        )
    ]
    counting = strawberry.Schema(query=Query, execution_context_class=Counting)

    assert _answer(counting, graph) == _answer(stock, graph)
    # Strawberry's own path: async resolvers and a field with a permission. Plain resolvers (the root field too),
    # however they take their arguments, are called directly.
    strawberrys = ["Leaf.later", "Leaf.guarded"]
    assert sorted(slow) == sorted([*strawberrys * 3, "Leaf.later", "Leaf.later", "Leaf.later"])


def _well_formed_graph() -> list[Branch | None]:
    leaf = _leaf("a", label="l", colour=Colour.BLUE)
    return [Branch(title="t", leaf=leaf, leaf_required=leaf, leaves=[leaf, leaf], maybe_leaves=None,
                   some_leaves=[None, leaf], strict_leaves=[])]  # fmt: skip


def _card(name: str, *prices: Money, inner: Card | None = None) -> Card:
    return Card(
        name=name,
        code=strawberry.ID(f"c-{name}"),
        colour=Colour.BLUE,
        price=prices[0] if prices else None,
        prices=list(prices),
        inner=inner,
    )


def _counting_selections() -> tuple[strawberry.Schema, list[str]]:
    """A schema whose executor notes each object it completes field by field (by type name)."""
    by_field: list[str] = []

    class Counting(LeanExecutor):
        def _run_selection(self, selection: Any, source: Any, path: Any, position_context: Any = None) -> Any:
            by_field.append(selection.parent_type.name)
            return super()._run_selection(selection, source, path, position_context)

    return strawberry.Schema(query=Query, execution_context_class=Counting), by_field


def test_objects_of_plain_attributes_are_completed_in_one_pass() -> None:
    """With well-formed values, a subtree of plain attributes (cards, their prices and inner card; a resolver's
    money) is completed without running its fields one by one; objects with resolver fields are run field by
    field."""
    counting, by_field = _counting_selections()
    euro = Money(amount=Decimal("1.50"), currency="EUR")
    graph = _well_formed_graph()
    branch = cast("Branch", graph[0])
    branch.card = _card("a", euro, euro, inner=_card("b", euro))
    branch.cards = [_card("c", euro), _card("d")]

    assert _answer(counting, graph) == _answer(stock, graph)
    # Query, Branch and Leaf have resolver fields; Card and Money (under a card, or a leaf's `twin` resolver) never run
    # field by field.
    assert sorted(set(by_field)) == ["Branch", "Leaf", "Query"]


def test_an_out_of_the_ordinary_value_deep_in_a_subtree_is_completed_by_the_executor() -> None:
    """One bad price among a card's prices (a null amount, declared non-null) sends that card back to the
    executor, which reports the error where graphql-core does; so does a bad price two objects down. The
    well-formed cards stay on the one-pass path."""
    counting, by_field = _counting_selections()
    euro = Money(amount=Decimal("1.50"), currency="EUR")
    no_amount = Money(amount=cast("Decimal", None), currency="EUR")
    no_currency = Money(amount=Decimal("2"), currency=cast("str", None))
    graph = _well_formed_graph()
    branch = cast("Branch", graph[0])
    branch.cards = [_card("ok", euro), _card("bad", euro, no_amount), _card("ok-too", euro)]
    branch.card = _card("outer", euro, inner=_card("inner", no_currency))

    answer = _answer(counting, graph)

    assert answer == _answer(stock, graph)
    paths = sorted(error["path"][2:] for error in json.loads(answer)["errors"])
    assert paths == [["card", "inner", "price", "currency"], ["cards", 1, "prices", 1, "amount"]]
    # Field by field: the bad card and its bad price; the outer card, its inner card and the inner card's price.
    assert by_field.count("Card") == 3
    assert by_field.count("Money") == 2


def test_an_operations_fields_are_collected_once_not_per_request(monkeypatch: pytest.MonkeyPatch) -> None:
    """The second request of a document collects nothing: its selections come from the operation's plan."""
    collected: list[str] = []

    def counting(*args: Any) -> Any:
        collected.append(args[4].name)
        return collect_subfields(*args)

    class Counting(LeanExecutor):
        def collect_subfields(self, return_type: Any, field_details_list: Any) -> Any:
            collected.append(f"graphql-core: {return_type.name}")
            return super().collect_subfields(return_type, field_details_list)

    monkeypatch.setattr("app.execution.collect_subfields", counting)
    # As in the app, the parser cache hands back the same document for the same text: plans are kept per document.
    counting_schema = strawberry.Schema(query=Query, execution_context_class=Counting, extensions=[ParserCache])
    graph = _well_formed_graph()

    first = _answer(counting_schema, graph)
    in_first = list(collected)
    collected.clear()
    second = _answer(counting_schema, graph)

    assert first == second == _answer(stock, graph)
    assert in_first
    assert all(not name.startswith("graphql-core") for name in in_first)
    assert collected == []


SKIPPING = """
query Skipping($hide: Boolean!, $show: Boolean = false) {
  branches {
    title @skip(if: $hide)
    leaf { name label @include(if: $show) ... on Leaf @skip(if: $hide) { count } }
    leaves { ...Counted @include(if: $show) name }
  }
}
fragment Counted on Leaf { count flag }
"""


@pytest.mark.parametrize("schema", [lean, stock], ids=["lean", "stock"])
def test_fields_that_depend_on_the_variables_are_collected_for_each_request(schema: strawberry.Schema) -> None:
    """A document whose `@skip` or `@include` takes a variable collects other fields from one request to the next:
    it is not planned, and each request gets the fields its variables ask for."""

    def run(hide: bool, show: bool) -> dict[str, Any]:
        async def execute() -> ExecutionResult:
            graph = _well_formed_graph()
            return await schema.execute(
                SKIPPING, context_value={"branches": graph}, variable_values={"hide": hide, "show": show}
            )

        result = asyncio.run(execute())
        assert result.errors is None
        branch: dict[str, Any] = result.data["branches"][0] if result.data else {}
        return branch

    shown = run(hide=False, show=True)
    hidden = run(hide=True, show=False)
    again = run(hide=False, show=True)

    assert (
        shown
        == again
        == {
            "title": "t",
            "leaf": {"name": "a", "label": "l", "count": 1},
            "leaves": [{"count": 1, "flag": True, "name": "a"}] * 2,
        }
    )
    assert hidden == {"leaf": {"name": "a"}, "leaves": [{"name": "a"}] * 2}
