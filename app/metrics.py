"""Prometheus metrics, on a registry per container so tests and several apps never collide."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

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
