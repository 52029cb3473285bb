"""Prometheus metrics of the worker, built by a factory on a given registry.

Nothing registers at import time; tests pass a fresh `CollectorRegistry`. Label
values are bounded sets (event types, reasons, tiers), never customer ids.
"""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge


@dataclass(frozen=True)
class Metrics:
    events_consumed: Counter
    events_applied: Counter
    events_duplicate: Counter
    events_forwarded: Counter
    events_rejected: Counter
    noops: Counter
    tier_changes: Counter
    alerts: Counter
    policy_info: Gauge

    @classmethod
    def create(cls, registry: CollectorRegistry) -> Metrics:
        p = "tierstream_"
        return cls(
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
                p + "tier_changes", "Tier changes published, by previous and new tier "
                "('none' for a first tier).", ["from_tier", "to_tier"], registry=registry,
            ),
            alerts=Counter(
                p + "alerts", "Alerts published, by type and severity.", ["type", "severity"],
                registry=registry,
            ),
            policy_info=Gauge(
                p + "policy_info", "The active policy version (value 1).", ["version"],
                registry=registry,
            ),
        )
