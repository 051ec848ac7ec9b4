"""Requests the harness sends itself with httpx: checking a workload's answer, scraping metrics, the staff export."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from bench.stats import median
from bench.workloads import SEARCH, SEARCH_CANDIDATES, SEARCH_WORDS, STAFF_EXPORT, graphql_body

STATEMENTS = "vitrine_db_statements_total"
RESPONSE_HITS = "vitrine_response_cache_hits_total"
RESPONSE_MISSES = "vitrine_response_cache_misses_total"


class ResponseError(RuntimeError):
    """A workload's request came back with an error; the message quotes the response."""


def check_response(response: httpx.Response) -> dict[str, Any]:
    """Return the response's JSON, or raise when it is not a 200 without an `errors` key."""
    if response.status_code != 200:
        raise ResponseError(f"HTTP {response.status_code}: {response.text[:500]}")
    body: dict[str, Any] = orjson.loads(response.content)
    if "errors" in body:
        raise ResponseError(f"GraphQL errors: {orjson.dumps(body['errors']).decode()[:500]}")
    return body


def verify(base_url: str, bodies: list[bytes]) -> bytes:
    """Send each body once; raise on any error; return the first response's bytes."""
    first = b""
    with httpx.Client(base_url=base_url, timeout=30, headers={"Content-Type": "application/json"}) as client:
        for body in bodies:
            response = client.post("/graphql", content=body)
            data = check_response(response)["data"]
            if not any(data.values()):
                raise ResponseError(f"empty answer for {body[:200]!r}: {response.text[:300]}")
            first = first or response.content
    return first


def metrics(base_url: str) -> dict[str, float]:
    """Read the API's /metrics: every sample without labels, by name (e.g. `vitrine_db_statements_total`)."""
    text = httpx.get(f"{base_url}/metrics", timeout=10).text
    found = {
        m.group(1): float(m.group(2)) for m in re.finditer(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)\s+(\S+)$", text, re.MULTILINE)
    }
    if STATEMENTS not in found:
        raise ResponseError(f"/metrics has no {STATEMENTS}")
    return found


def statements_total(base_url: str) -> float:
    """Read `vitrine_db_statements_total` from the API's /metrics."""
    return metrics(base_url)[STATEMENTS]


def search_words(
    base_url: str, candidates: tuple[str, ...] = SEARCH_CANDIDATES, *, wanted: int = SEARCH_WORDS, page: int = 24
) -> tuple[list[str], int]:
    """Return up to `wanted` candidate words whose search fills a page, and the fewest results among those returned.

    A small catalog (`--quick`) may have no word that fills a page: then the words with the most results are used.
    """
    found: list[tuple[int, str]] = []
    with httpx.Client(base_url=base_url, timeout=30, headers={"Content-Type": "application/json"}) as client:
        for word in candidates:
            body = graphql_body(SEARCH, {"text": word}, "Search")
            results = len(check_response(client.post("/graphql", content=body))["data"]["products"]["edges"])
            if results:
                found.append((results, word))
    full = [word for results, word in found if results >= page][:wanted]
    if full:
        return full, page
    best = sorted(found, key=lambda item: -item[0])[:wanted]
    if not best:
        raise ResponseError(f"no search for {', '.join(candidates)} found anything")
    return [word for _, word in best], best[-1][0]


@dataclass(frozen=True, slots=True)
class ExportResult:
    """A staff export of `pages` sequential pages of 100 products; totals in milliseconds."""

    pages: int
    products: int
    median_ms: float
    best_ms: float
    first_ms: float
    statements_per_export: float


def staff_export(base_url: str, *, staff_token: str, pages: int = 5, repeats: int = 5) -> ExportResult:
    """Read `pages` pages of 100 products, one after the other, `repeats` times; time each export."""
    headers = {"Authorization": f"Bearer {staff_token}", "Content-Type": "application/json"}
    totals: list[float] = []
    products = 0
    before = statements_total(base_url)
    with httpx.Client(base_url=base_url, timeout=60, headers=headers) as client:
        for _ in range(repeats):
            after: str | None = None
            products = 0
            started = time.perf_counter()
            for _ in range(pages):
                body = graphql_body(STAFF_EXPORT, {"after": after}, "StaffExport")
                connection = check_response(client.post("/graphql", content=body))["data"]["products"]
                products += len(connection["edges"])
                after = connection["pageInfo"]["endCursor"]
                if not connection["pageInfo"]["hasNextPage"]:
                    break
            totals.append((time.perf_counter() - started) * 1000)
    statements = (statements_total(base_url) - before) / repeats
    return ExportResult(pages, products, median(totals), min(totals), totals[0], statements)
