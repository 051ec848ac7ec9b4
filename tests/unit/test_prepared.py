"""Prepared operations: which requests are candidates, and how many texts are kept."""

from __future__ import annotations

import pytest
from graphql import parse

from app.prepared import PlainRequest, PreparedOperations, plain_request


def test_the_oldest_texts_go_first_past_the_size() -> None:
    prepared = PreparedOperations(size=2)
    for text in ("{ a }", "{ b }", "{ c }"):
        prepared.add(text, parse(text))

    assert len(prepared) == 2
    assert prepared.find(PlainRequest("{ a }", None, None)) is None
    assert prepared.find(PlainRequest("{ c }", None, None)) is not None


@pytest.mark.parametrize(
    "payload",
    [
        [{"query": "{ a }"}],
        {"query": 1},
        {"query": "{ a }", "variables": [1]},
        {"query": "{ a }", "operationName": 2},
        {"query": "{ a }", "extensions": {"persistedQuery": {"version": 1}}},
        {"query": "{ a }", "other": 1},
        None,
    ],
)
def test_only_plain_requests_are_candidates(payload: object) -> None:
    assert plain_request(payload) is None


def test_a_plain_request_is_read_as_sent() -> None:
    found = plain_request({"query": "{ a }", "variables": {"x": 1}, "operationName": "A", "extensions": None})

    assert found == PlainRequest("{ a }", {"x": 1}, "A")
