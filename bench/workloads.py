"""The storefront's requests, as GraphQL documents, and the wrk Lua scripts that send them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

PRODUCT_PAGE = """
query ProductPage($slug: String!) {
  product(slug: $slug) {
    id
    name
    description
    category { name slug }
    images { url alt }
    variants {
      id
      sku
      name
      pricing(channel: "us") { price { gross { amount currency } } }
      quantityAvailable
      isInStock
    }
  }
}
"""

CATEGORY_LISTING = """
query CategoryListing($slug: String!) {
  category(slug: $slug) {
    name
    products(first: 24) {
      edges {
        node {
          id
          name
          slug
          thumbnail { url alt }
          pricing(channel: "us") {
            priceRange { start { gross { amount currency } } stop { gross { amount currency } } }
          }
          isAvailable
        }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""

# A dashboard export: ten fields per product, 100 a page (the API's cap), read page after page.
STAFF_EXPORT = """
query StaffExport($after: String) {
  products(first: 100, after: $after) {
    edges {
      node {
        id
        name
        slug
        description
        isPublished
        createdAt
        updatedAt
        category { name }
        thumbnail { url }
        pricing(channel: "us") { priceRange { start { gross { amount } } } }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""

# A storefront search box: one word, the first page of 24 results by relevance, with the price to show.
SEARCH = """
query Search($text: String!) {
  products(search: $text, first: 24) {
    edges {
      node {
        id
        name
        pricing(channel: "us") { priceRange { start { gross { amount currency } } } }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""

# Words of the demo catalogue (`data/demo.py`: materials, nouns, adjectives), most common first; the harness keeps
# those that fill a page of 24 on the seeded catalog (`client.search_words`).
SEARCH_CANDIDATES = (
    "wool", "linen", "cotton", "leather", "canvas", "merino", "suede", "nylon", "jacket", "boot",
    "classic", "alpine", "heritage", "backpack", "sweater",
)  # fmt: skip
SEARCH_WORDS = 8

STOCK_UPDATE = """
mutation StockUpdate($variantId: ID!, $quantity: Int!) {
  stockUpdate(variantId: $variantId, quantity: $quantity) { quantityAvailable userErrors { code message } }
}
"""

STOCK_SUBSCRIPTION = "subscription StockFeed { stockLevelChanged { variantId sku quantityAvailable isInStock } }"

NOT_BUILT = {
    "W4": "W4: not built yet (add to cart arrives with the cart issue)",
}


@dataclass(frozen=True, slots=True)
class Workload:
    """One kind of storefront request, with the request bodies wrk rotates over."""

    key: str
    title: str
    bodies: list[bytes]


def graphql_body(query: str, variables: dict[str, Any] | None = None, operation: str | None = None) -> bytes:
    return orjson.dumps({"query": query, "variables": variables or {}, "operationName": operation})


def product_page(slugs: list[str]) -> Workload:
    bodies = [graphql_body(PRODUCT_PAGE, {"slug": s}, "ProductPage") for s in slugs]
    return Workload("W1", "product page", bodies)


def category_listing(slugs: list[str]) -> Workload:
    bodies = [graphql_body(CATEGORY_LISTING, {"slug": s}, "CategoryListing") for s in slugs]
    return Workload("W2", "category listing (24)", bodies)


def search(words: list[str]) -> Workload:
    bodies = [graphql_body(SEARCH, {"text": w}, "Search") for w in words]
    return Workload("W3", "search (24)", bodies)


def _long_string(value: str) -> str:
    """Quote text as a Lua long string, choosing a bracket level that the text does not contain."""
    level = 0
    while f"]{'=' * level}]" in value:
        level += 1
    equals = "=" * level
    # Lua drops a newline right after the opening bracket; start on the same line so nothing is lost.
    return f"[{equals}[{value}]{equals}]"


_LUA_CHECKS = """
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  graphql_errors = 0
  non_ok = 0
end

function response(status, headers, body)
  if status ~= 200 then
    non_ok = non_ok + 1
  elseif body == nil or string.find(body, '"errors":', 1, true) then
    graphql_errors = graphql_errors + 1
  end
end
"""

_LUA_DONE = """
function done(summary, latency, requests)
  local graphql_errors, non_ok = 0, 0
  for _, thread in ipairs(threads) do
    graphql_errors = graphql_errors + (thread:get("graphql_errors") or 0)
    non_ok = non_ok + (thread:get("non_ok") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    "BENCH_RESULT {\\"requests\\":%d,\\"duration_us\\":%d,\\"bytes\\":%d,"
    .. "\\"connect_errors\\":%d,\\"read_errors\\":%d,\\"write_errors\\":%d,\\"status_errors\\":%d,"
    .. "\\"timeouts\\":%d,\\"graphql_errors\\":%d,\\"non_ok\\":%d,"
    .. "\\"latency_us\\":{\\"mean\\":%.1f,\\"max\\":%d,\\"p50\\":%d,\\"p90\\":%d,\\"p99\\":%d,\\"p999\\":%d}}\\n",
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout, graphql_errors, non_ok,
    latency.mean, latency.max, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency:percentile(99.9)))
end
"""


def lua_post_script(bodies: list[bytes], *, check_responses: bool = True) -> str:
    """Return a wrk script that POSTs the bodies in turn and prints its figures as one JSON line."""
    entries = ",\n".join(f"  {_long_string(b.decode())}" for b in bodies)
    parts = [
        "wrk.method = 'POST'",
        "wrk.headers['Content-Type'] = 'application/json'",
        f"local bodies = {{\n{entries}\n}}",
        "local index = 0",
        "function request()",
        "  index = index % #bodies + 1",
        "  return wrk.format(nil, nil, nil, bodies[index])",
        "end",
        _LUA_CHECKS
        if check_responses
        else "local threads = {}\nfunction setup(thread) table.insert(threads, thread) end",
        _LUA_DONE,
    ]
    return "\n".join(parts)
