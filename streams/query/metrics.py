"""Prometheus metrics of the query process (`tierstream serve`), on a given registry.

Separate from the worker's (streams/telemetry/metrics.py): a replica decides nothing,
so it exposes only what says whether its answers are fresh and whether it keeps up:
how far behind the changelog it is, how old a decision is when it becomes visible,
and what it answered or shed.
"""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

# Changelog record written -> applied in the replica: milliseconds when healthy.
FRESHNESS_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
REQUEST_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
ROUTES = ("/customers/{customer_id}", "/tiers/summary")


@dataclass(frozen=True)
class QueryMetrics:
    changelog_lag: Gauge
    caught_up: Gauge
    records_applied: Counter
    customers: Gauge
    freshness: Histogram
    requests: Counter
    request_seconds: Histogram
    shed: Counter

    @classmethod
    def create(cls, registry: CollectorRegistry) -> QueryMetrics:
        p = "tierstream_query_"
        metrics = cls(
            changelog_lag=Gauge(
                p + "changelog_lag_records", "State changelog records on the broker not yet "
                "applied by this replica (all partitions).", registry=registry,
            ),
            caught_up=Gauge(
                p + "caught_up", "1 once the replica has read the changelog up to the end "
                "offsets it saw at start (it answers queries only then).", registry=registry,
            ),
            records_applied=Counter(
                p + "changelog_records_applied", "State changelog records applied "
                "(tombstones included).", registry=registry,
            ),
            customers=Gauge(
                p + "customers", "Customer states held by this replica.", registry=registry,
            ),
            freshness=Histogram(
                p + "freshness_seconds", "Changelog record timestamp (the worker wrote the "
                "decided state) to the state being visible here; records applied while "
                "catching up at start are not observed.", buckets=FRESHNESS_BUCKETS,
                registry=registry,
            ),
            requests=Counter(
                p + "requests", "Query requests answered, by route and HTTP status.",
                ["route", "status"], registry=registry,
            ),
            request_seconds=Histogram(
                p + "request_seconds", "Time spent answering a query request, by route.",
                ["route"], buckets=REQUEST_BUCKETS, registry=registry,
            ),
            shed=Counter(
                p + "shed", "Query requests refused with Retry-After: 503 'overloaded' "
                "(event loop behind) or 'catching_up' (replica not caught up yet), 429 "
                "'rate_limited' (over TIERSTREAM_QUERY_MAX_REQUESTS_PER_SECOND).",
                ["reason"], registry=registry,
            ),
        )
        for reason in ("overloaded", "catching_up", "rate_limited"):
            metrics.shed.labels(reason)
        for route in ROUTES:
            metrics.request_seconds.labels(route)
        return metrics
