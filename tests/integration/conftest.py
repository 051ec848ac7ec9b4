"""Fixtures for testing one data-layer part against each of its implementations."""

from __future__ import annotations

import pytest


@pytest.fixture(params=["memory", "redis"])
def redis_or_none(request: pytest.FixtureRequest) -> str | None:
    """`None` for the in-process implementation, else the Redis URL (skipping or failing when it is down)."""
    return None if request.param == "memory" else str(request.getfixturevalue("redis_url"))
