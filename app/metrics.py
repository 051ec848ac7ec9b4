"""Prometheus metrics, on a registry per container so tests and several apps never collide."""

from __future__ import annotations

import contextlib
import gc
import time
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, GCCollector, Histogram, ProcessCollector

# Clients choose operation names; only the first few hundred distinct ones get a label of their own.
MAX_OPERATION_LABELS = 200


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.graphql_requests = Counter(
            "vitrine_graphql_requests",
            "GraphQL operations executed, by operation name and outcome.",
            ["operation", "outcome"],
            registry=self.registry,
        )
        self.graphql_latency = Histogram(
            "vitrine_graphql_request_duration_seconds",
            "Time to execute a GraphQL operation, by operation name.",
            ["operation"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=self.registry,
        )
        self.db_statements = Counter("vitrine_db_statements", "SQL statements executed.", registry=self.registry)
        self.cache_hits = Counter("vitrine_cache_hits", "Cache look-ups that found a value.", registry=self.registry)
        self.cache_misses = Counter(
            "vitrine_cache_misses", "Cache look-ups that found nothing.", registry=self.registry
        )
        self.response_hits = Counter(
            "vitrine_response_cache_hits", "Anonymous queries answered from the response cache.", registry=self.registry
        )
        self.response_misses = Counter(
            "vitrine_response_cache_misses",
            "Anonymous queries the response cache could not answer.",
            registry=self.registry,
        )
        self.response_shared = Counter(
            "vitrine_response_cache_shared",
            "Response-cache misses answered with the response an identical concurrent request computed.",
            registry=self.registry,
        )
        self.subscription_executions = Counter(
            "vitrine_subscription_executions",
            "Subscription events executed: once per event and distinct subscription, however many subscribers.",
            registry=self.registry,
        )
        self.subscription_messages = Counter(
            "vitrine_subscription_messages",
            "Subscription results queued for websocket subscribers.",
            registry=self.registry,
        )
        self.subscription_feeds = Gauge(
            "vitrine_subscription_feeds", "Distinct subscriptions being executed.", registry=self.registry
        )
        self.subscription_subscribers = Gauge(
            "vitrine_subscription_subscribers",
            "Websocket operations receiving a shared subscription.",
            registry=self.registry,
        )
        # The process's CPU, memory and open files, and the collector's counts per generation (`process_*`,
        # `python_gc_*`), as the default registry would have them.
        ProcessCollector(registry=self.registry)
        GCCollector(registry=self.registry)
        self.gc_pauses = FullCollections(
            Histogram(
                "vitrine_gc_full_collection_duration_seconds",
                "Time each full garbage collection (of the oldest generation) stopped the process.",
                buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
                registry=self.registry,
            )
        )
        self._operations: set[str] = set()

    def operation_label(self, name: str | None) -> str:
        """Return a bounded label for an operation name."""
        if not name:
            return "anonymous"
        if name in self._operations:
            return name
        if len(self._operations) >= MAX_OPERATION_LABELS or len(name) > 100:
            return "other"
        self._operations.add(name)
        return name

    def count_statement(self) -> None:
        self.db_statements.inc()

    def hits(self, count: int) -> None:
        if count:
            self.cache_hits.inc(count)

    def misses(self, count: int) -> None:
        if count:
            self.cache_misses.inc(count)

    def value(self, name: str, labels: dict[str, str] | None = None) -> float:
        """Return a sample's current value (0 when absent)."""
        return self.registry.get_sample_value(name, labels) or 0.0


class FullCollections:
    """Time the garbage collector's full collections (`gc.callbacks`), while started.

    A full collection walks every object the process tracks and stops everything meanwhile: with thousands of
    websockets open it can take hundreds of milliseconds (docs/performance.md). Younger generations are only
    counted (`python_gc_collections_total`): they are frequent and short, and timing them would cost more.
    """

    def __init__(self, histogram: Histogram) -> None:
        self._histogram = histogram
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self._histogram.observe(time.perf_counter() - self._started)

    def start(self) -> None:
        if self not in gc.callbacks:
            gc.callbacks.append(self)

    def stop(self) -> None:
        with contextlib.suppress(ValueError):
            gc.callbacks.remove(self)
