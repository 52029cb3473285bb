"""The worker's counters for what the pipeline decided, record by record.

The pipeline reports outcomes and counts nothing (tierstream/pipeline/outcome.py);
this is the one place that turns them into metrics, after the batch's outputs were
acknowledged and its states stored, so a counter never runs ahead of the broker.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from streams.telemetry.metrics import Metrics
from streams.telemetry.tier_gauges import track_change
from tierstream.pipeline import Outcome


def count_outcomes(metrics: Metrics, outcomes: Iterable[Outcome], sent_at: datetime) -> None:
    """Count every record of a batch; `sent_at` is when its outputs were acknowledged.

    Labelled counters are summed over the batch first and incremented once per label:
    a label lookup and a locked increment per record were a visible share of the
    worker's time."""
    counts: Counter[tuple[Any, tuple[str, ...]]] = Counter()
    for o in outcomes:
        if o.consumed is not None:
            counts[metrics.events_consumed, (o.consumed,)] += 1
        if o.forwarded is not None:
            counts[metrics.events_forwarded, (o.forwarded,)] += 1
        if o.rejected is not None:
            counts[metrics.events_rejected, (o.rejected.reason,)] += 1
        if o.duplicate:
            counts[metrics.events_duplicate, ()] += 1
        if o.tier_change is not None:
            metrics.count_move(*o.tier_change)
            track_change(metrics, *o.tier_change)
        for kind, severity in o.alerts:
            counts[metrics.alerts, (kind, severity)] += 1
        if o.applied is not None and o.occurred_at is not None:
            metrics.observe_decision(o.record.timestamp_ms, o.occurred_at, sent_at)
            counts[metrics.events_applied, (o.applied,)] += 1
            if o.note is not None:
                counts[metrics.noops, (o.note,)] += 1
        if o.reevaluated is not None:
            counts[metrics.reevaluations, (o.reevaluated,)] += 1
        if o.challenger is not None:
            champion, challenger, alert_types = o.challenger
            counts[metrics.challenger_decisions, ()] += 1
            if champion != challenger:
                counts[metrics.challenger_disagreements, (champion, challenger)] += 1
            for kind in alert_types:
                counts[metrics.challenger_alerts, (kind,)] += 1
    for (counter, labels), n in counts.items():
        (counter.labels(*labels) if labels else counter).inc(n)
