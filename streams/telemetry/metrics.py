"""Prometheus metrics of the worker, built by a factory on a given registry.

Nothing registers at import time; tests pass a fresh `CollectorRegistry`. Label
values are bounded sets (event types, reasons, tiers, grades, partitions), never
customer ids. Counters whose labels are known in advance start at zero, so a rate
over them exists (and an alert on "no events" can fire) before the first event.

Names follow Prometheus conventions (tests/unit/streams/telemetry/test_metric_names.py):
counters end in `_total` (added by the client), durations are in seconds and sizes in
bytes. faust's own sensor metrics are not exported: those an operator needs (commit
and send latency, send errors, rebalances, table recovery, HTTP requests) are here,
fed by `streams/telemetry/faust_sensor.py`; the rest duplicate ours (see
docs/monitoring.md).
"""

from __future__ import annotations

import platform
from dataclasses import dataclass
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from schemas.events import EVENT_TYPES
from schemas.outputs import Standing, TierChange
from schemas.vocabulary import GRADES, TIERS
from tierstream.policy import Policy

# Input record timestamp -> outputs acknowledged: milliseconds when healthy, seconds
# under load, minutes when the worker is far behind. Beyond 10 minutes, lag says more.
DECISION_LATENCY_BUCKETS = (
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0,
    300.0, 600.0,
)
# occurred_at -> decision: upstream delay plus ours. A replay or back-fill carries
# events months old; everything older than one day lands in +Inf on purpose (a p99 of
# 86400 reads "a day or more"), so live traffic keeps fine buckets.
EVENT_AGE_BUCKETS = (
    0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0,
    21600.0, 86400.0,
)
# A broker round trip (commit, send acknowledgement): milliseconds, seconds when sick.
KAFKA_LATENCY_BUCKETS = (
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
)
# A rebalance or table recovery: seconds; a recovery from an empty disk takes minutes.
REBALANCE_BUCKETS = (
    0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0,
)
HTTP_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


@dataclass(frozen=True)
class Metrics:
    events_consumed: Counter
    events_applied: Counter
    events_duplicate: Counter
    events_forwarded: Counter
    events_rejected: Counter
    noops: Counter
    tier_changes: Counter
    grade_changes: Counter
    alerts: Counter
    customers_by_tier: Gauge
    customers_by_grade: Gauge
    table_customers: Gauge
    table_state_bytes: Gauge
    decision_latency: Histogram
    event_age: Histogram
    consumer_lag: Gauge
    consumer_committed_offset: Gauge
    policy_info: Gauge
    policy_updates: Counter
    reevaluations: Counter
    build_info: Gauge
    commit_latency: Histogram
    send_latency: Histogram
    send_errors: Counter
    rebalances: Counter
    rebalance_in_progress: Gauge
    rebalance_duration: Histogram
    table_recovery_in_progress: Gauge
    table_recovery_duration: Histogram
    http_requests: Counter
    http_request_duration: Histogram
    challenger_decisions: Counter
    challenger_disagreements: Counter
    challenger_alerts: Counter
    challenger_info: Gauge

    @classmethod
    def create(cls, registry: CollectorRegistry) -> Metrics:
        p = "tierstream_"
        metrics = cls(
            events_consumed=Counter(
                p + "events_consumed", "Input records consumed, by event type "
                "('invalid' when the record could not be decoded).", ["type"], registry=registry
            ),
            events_applied=Counter(
                p + "events_applied", "Events merged into customer state.", ["type"],
                registry=registry,
            ),
            events_duplicate=Counter(
                p + "events_duplicate", "Events ignored because their event_id was seen.",
                registry=registry,
            ),
            events_forwarded=Counter(
                p + "events_forwarded", "Records re-sent to the partition their customer "
                "belongs to (missing key or a non-default partitioner).", ["why"],
                registry=registry,
            ),
            events_rejected=Counter(
                p + "events_rejected", "Records sent to the dead-letter topic, by reason.",
                ["reason"], registry=registry,
            ),
            noops=Counter(
                p + "noops", "Events that changed nothing by rule (e.g. closing an "
                "unknown mortgage).", ["kind"], registry=registry,
            ),
            tier_changes=Counter(
                p + "tier_changes", "Customers whose tier changed, by previous and new tier "
                "('none' for a first tier); grade-only changes are not counted here.",
                ["from_tier", "to_tier"], registry=registry,
            ),
            grade_changes=Counter(
                p + "grade_changes", "Customers whose credit grade changed, by previous and "
                "new grade ('none' for a first grade).", ["from_grade", "to_grade"],
                registry=registry,
            ),
            alerts=Counter(
                p + "alerts", "Alerts published, by type and severity.", ["type", "severity"],
                registry=registry,
            ),
            customers_by_tier=Gauge(
                p + "customers", "Customers per tier in the table partitions this worker "
                "owns (sum over workers for the total).", ["tier"], registry=registry,
            ),
            customers_by_grade=Gauge(
                p + "customers_by_grade", "Customers per credit grade in the table "
                "partitions this worker owns.", ["grade"], registry=registry,
            ),
            table_customers=Gauge(
                p + "table_customers", "Customer states in the table partitions this "
                "worker owns.", registry=registry,
            ),
            table_state_bytes=Gauge(
                p + "table_state_bytes", "Bytes of customer state JSON in the table "
                "partitions this worker owns.", registry=registry,
            ),
            decision_latency=Histogram(
                p + "decision_latency_seconds", "Input record timestamp to the event's "
                "outputs being sent, for applied events.", buckets=DECISION_LATENCY_BUCKETS,
                registry=registry,
            ),
            event_age=Histogram(
                p + "event_age_seconds", "Event occurred_at to its decision; events older "
                "than a day (replays) fall in +Inf.", buckets=EVENT_AGE_BUCKETS,
                registry=registry,
            ),
            consumer_lag=Gauge(
                p + "consumer_lag", "Input-topic records not yet committed by this worker's "
                "consumer group, per assigned partition (end offset minus committed).",
                ["partition"], registry=registry,
            ),
            consumer_committed_offset=Gauge(
                p + "consumer_committed_offset", "Next input offset the group reads, per "
                "assigned partition: the committed offset, or the earliest offset of a "
                "partition never committed. Standing still while lag > 0: commits stopped.",
                ["partition"], registry=registry,
            ),
            policy_info=Gauge(
                p + "policy_info", "The active policy version (value 1).", ["version"],
                registry=registry,
            ),
            policy_updates=Counter(
                p + "policy_updates", "Policies received on the policy topic: applied, "
                "unchanged, or rejected by validation (the old one stays active).",
                ["result"], registry=registry,
            ),
            reevaluations=Counter(
                p + "reevaluations", "Customers decided again without an event: due (cool-off, "
                "override expiry, ageing) or after a policy change.", ["why"],
                registry=registry,
            ),
            build_info=Gauge(
                p + "build_info", "The running tierstream build (value 1).",
                ["version", "python", "faust"], registry=registry,
            ),
            commit_latency=Histogram(
                p + "commit_latency_seconds", "Commit rounds of the consumer (one per "
                "commit interval): start to the broker's answer; a round with nothing to "
                "commit takes about 0.", buckets=KAFKA_LATENCY_BUCKETS, registry=registry,
            ),
            send_latency=Histogram(
                p + "send_latency_seconds", "A batch's outputs, from the first send to "
                "the broker's acknowledgement of all of them (and records faust sends "
                "itself, one by one).",
                buckets=KAFKA_LATENCY_BUCKETS, registry=registry,
            ),
            send_errors=Counter(
                p + "send_errors", "Output batches (or records faust sends itself) the "
                "broker refused or could not be reached for; a refused batch is decided "
                "again.", registry=registry,
            ),
            rebalances=Counter(
                p + "rebalances", "Consumer group rebalances this worker took part in "
                "(counted when they start).", registry=registry,
            ),
            rebalance_in_progress=Gauge(
                p + "rebalance_in_progress", "1 from the start of a rebalance until the "
                "streams resume (table recovery included), else 0.", registry=registry,
            ),
            rebalance_duration=Histogram(
                p + "rebalance_duration_seconds", "Rebalance start to the streams "
                "resuming, table recovery included.", buckets=REBALANCE_BUCKETS,
                registry=registry,
            ),
            table_recovery_in_progress=Gauge(
                p + "table_recovery_in_progress", "1 while the worker reads its tables "
                "back from their changelogs after a rebalance, else 0.", registry=registry,
            ),
            table_recovery_duration=Histogram(
                p + "table_recovery_duration_seconds", "New assignment received to the "
                "tables recovered (the part of a rebalance that grows with the state).",
                buckets=REBALANCE_BUCKETS, registry=registry,
            ),
            http_requests=Counter(
                p + "http_requests", "HTTP requests answered by the worker, by route "
                "pattern and status code.", ["route", "status"], registry=registry,
            ),
            http_request_duration=Histogram(
                p + "http_request_duration_seconds", "Time the worker spent answering an "
                "HTTP request, by route pattern.", ["route"], buckets=HTTP_BUCKETS,
                registry=registry,
            ),
            challenger_decisions=Counter(
                p + "challenger_decisions", "Decisions made under the challenger (shadow) "
                "policy, beside the champion's.", registry=registry,
            ),
            challenger_disagreements=Counter(
                p + "challenger_disagreements", "Challenger decisions whose tier differs "
                "from the champion's, by champion tier and challenger tier (a live "
                "migration matrix).", ["champion_tier", "challenger_tier"], registry=registry,
            ),
            challenger_alerts=Counter(
                p + "challenger_alerts", "Alerts decided under the challenger policy, by type "
                "(the champion's: tierstream_alerts_total).", ["type"], registry=registry,
            ),
            challenger_info=Gauge(
                p + "challenger_info", "The challenger policy version while one runs (value "
                "1; no series without a challenger).", ["version"], registry=registry,
            ),
        )
        metrics._start_at_zero()
        return metrics

    def _start_at_zero(self) -> None:
        for event_type in (*EVENT_TYPES, "invalid"):
            self.events_consumed.labels(event_type)
        for event_type in EVENT_TYPES:
            self.events_applied.labels(event_type)
        for tier in TIERS:
            self.customers_by_tier.labels(tier)
        for grade in GRADES:
            self.customers_by_grade.labels(grade)
        self.build_info.labels(_version("tierstream"), platform.python_version(),
                               _version("faust-streaming")).set(1)

    def show_policy(self, policy: Policy) -> None:
        """Make `policy` the one active version in `policy_info`."""
        self.policy_info.clear()
        self.policy_info.labels(policy.version).set(1)

    def show_challenger(self, policy: Policy | None) -> None:
        """Make `policy` the one challenger version in `challenger_info` (None: none)."""
        self.challenger_info.clear()
        if policy is not None:
            self.challenger_info.labels(policy.version).set(1)

    def count_change(self, change: TierChange) -> None:
        """Count a published tier change by what moved: the tier, the grade or both."""
        self.count_move(change.previous, change.current)

    def count_move(self, previous: Standing | None, current: Standing) -> None:
        """`count_change` from the standings a change moved from (None: none) and to."""
        before_tier = previous.tier if previous else "none"
        before_grade = previous.grade if previous else "none"
        if before_tier != current.tier:
            self.tier_changes.labels(before_tier, current.tier).inc()
        if before_grade != current.grade:
            self.grade_changes.labels(before_grade, current.grade).inc()

    def observe_decision(
        self, record_timestamp_ms: int | None, occurred_at: datetime, sent_at: datetime
    ) -> None:
        """Record both latencies of an applied event; clock skew never goes below 0."""
        if record_timestamp_ms is not None:
            latency = sent_at.timestamp() - record_timestamp_ms / 1000
            self.decision_latency.observe(max(latency, 0.0))
        self.event_age.observe(max((sent_at - occurred_at).total_seconds(), 0.0))


def _version(distribution: str) -> str:
    try:
        return version(distribution)
    except PackageNotFoundError:
        return "unknown"
