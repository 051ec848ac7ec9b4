"""`bench.inprocess --query`: another document sent with the workload's own variables."""

from __future__ import annotations

from bench import workloads
from bench.inprocess import _requests

OTHER = "query CategoryListing($slug: String!) { category(slug: $slug) { name } }"


def test_a_workload_sends_its_own_document_with_its_variables() -> None:
    assert _requests("W2", ["p"], ["coats", "shoes"]) == [
        (workloads.CATEGORY_LISTING, {"slug": "coats"}),
        (workloads.CATEGORY_LISTING, {"slug": "shoes"}),
    ]


def test_a_query_given_replaces_the_document_and_keeps_the_variables() -> None:
    assert _requests("W2", ["p"], ["coats", "shoes"], OTHER) == [(OTHER, {"slug": "coats"}), (OTHER, {"slug": "shoes"})]
    assert _requests("W1", ["a-coat"], [], OTHER) == [(OTHER, {"slug": "a-coat"})]
    assert [variables for _, variables in _requests("W3", [], [], OTHER)] == [
        {"text": word} for word in workloads.SEARCH_CANDIDATES[:3]
    ]
