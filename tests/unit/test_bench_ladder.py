"""`bench.ladder`: its steps are W2 cut down, each a valid operation; a climb times each document it is given."""

from __future__ import annotations

import pytest
from graphql import parse, validate

from app.asgi import create_app
from app.bootstrap import Container
from app.schema import build_schema
from bench import workloads
from bench.ladder import W2_STEPS, call, climb, variables_for
from tests.factories import add_category, add_product


def test_every_step_is_a_valid_operation_and_the_last_is_w2() -> None:
    schema = build_schema()._schema
    for step in W2_STEPS:
        assert validate(schema, parse(step.document)) == [], step.label
    assert W2_STEPS[-1].document == workloads.CATEGORY_LISTING
    assert [len(s.document) for s in W2_STEPS] == sorted(len(s.document) for s in W2_STEPS)


def test_the_variables_go_only_to_a_document_that_declares_them() -> None:
    assert variables_for(workloads.CATEGORY_LISTING, "coats") == {"slug": "coats"}
    assert variables_for("query CategoryListing { __typename }", "coats") == {}


async def test_a_climb_times_each_step_and_refuses_a_failing_one(container: Container) -> None:
    coats = await add_category(container.database, name="Coats", slug="coats")
    await add_product(container.database, slug="coat", category_id=coats)
    app = create_app(container=container)
    bodies = [[workloads.graphql_body(s.document, variables_for(s.document, "coats"))] for s in W2_STEPS[:3]]

    figures = await climb(app, bodies, rounds=1, per=3)

    assert len(figures) == 3
    assert all(figure > 0 for figure in figures)
    with pytest.raises(RuntimeError, match="a request failed"):
        await call(app, workloads.graphql_body("query { category(slug: 1) { name } }"))
