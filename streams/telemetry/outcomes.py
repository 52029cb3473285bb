"""The worker's counters for what the pipeline decided, record by record.

The pipeline reports outcomes and counts nothing (tierstream/pipeline/outcome.py);
this is the one place that turns them into metrics, after the batch's outputs were
acknowledged and its states stored, so a counter never runs ahead of the broker.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from streams.telemetry.metrics import Metrics
from streams.telemetry.tier_gauges import track_change
from tierstream.pipeline import Outcome


def count_outcomes(metrics: Metrics, outcomes: Iterable[Outcome], sent_at: datetime) -> None:
    """Count every record of a batch; `sent_at` is when its outputs were acknowledged."""
    for o in outcomes:
        if o.consumed is not None:
            metrics.events_consumed.labels(o.consumed).inc()
        if o.forwarded is not None:
            metrics.events_forwarded.labels(o.forwarded).inc()
        if o.rejected is not None:
            metrics.events_rejected.labels(o.rejected.reason).inc()
        if o.duplicate:
            metrics.events_duplicate.inc()
        if o.tier_change is not None:
            metrics.count_move(*o.tier_change)
            track_change(metrics, *o.tier_change)
        for kind, severity in o.alerts:
            metrics.alerts.labels(kind, severity).inc()
        if o.applied is not None and o.occurred_at is not None:
            metrics.observe_decision(o.record.timestamp_ms, o.occurred_at, sent_at)
            metrics.events_applied.labels(o.applied).inc()
            if o.note is not None:
                metrics.noops.labels(o.note).inc()
        if o.reevaluated is not None:
            metrics.reevaluations.labels(o.reevaluated).inc()
