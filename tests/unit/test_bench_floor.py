"""The benchmark's floor: W2's listing answered from memory by a schema of its shape, with the same answer."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from bench.floor import build_schema, category_of
from bench.workloads import CATEGORY_LISTING


def _money(amount: str) -> dict[str, Any]:
    return {"gross": {"amount": amount, "currency": "USD"}}


W2_ANSWER: dict[str, Any] = {
    "category": {
        "name": "Bags",
        "products": {
            "edges": [
                {
                    "node": {
                        "id": "UHJvZHVjdDox",
                        "name": "Canvas Tote",
                        "slug": "canvas-tote",
                        "thumbnail": {"url": "https://img.example/1.jpg", "alt": "A tote"},
                        "pricing": {"priceRange": {"start": _money("19.90"), "stop": _money("24.00")}},
                        "isAvailable": True,
                    }
                },
                {
                    "node": {
                        "id": "UHJvZHVjdDoy",
                        "name": "Leather Satchel",
                        "slug": "leather-satchel",
                        "thumbnail": None,
                        "pricing": None,
                        "isAvailable": False,
                    }
                },
                {
                    "node": {
                        "id": "UHJvZHVjdDoz",
                        "name": "Wool Pouch",
                        "slug": "wool-pouch",
                        "thumbnail": {"url": "https://img.example/3.jpg", "alt": ""},
                        "pricing": {"priceRange": None},
                        "isAvailable": True,
                    }
                },
            ],
            "pageInfo": {"hasNextPage": True, "endCursor": "Y3Vyc29yOjM="},
        },
    }
}


@pytest.mark.parametrize("lean", [False, True], ids=["strawberry-executor", "api-executor"])
async def test_the_floor_answers_w2_with_the_data_it_was_given(lean: bool) -> None:
    # Given W2's answer, turned into the floor's objects
    schema = build_schema(category_of(orjson.dumps({"data": W2_ANSWER})), lean=lean)

    # When W2's own document asks for it
    result = await schema.execute(CATEGORY_LISTING, variable_values={"slug": "bags"})

    # Then the floor answers exactly that: the same fields, values and nulls, with amounts as decimal strings
    assert result.errors is None
    assert orjson.loads(orjson.dumps(result.data)) == W2_ANSWER
