"""Customers per tier and grade in the replica, moved on every changelog write.

`SummaryQuery` (streams/http/summary.py) counts from the `tierstream_customers`
gauges when its registry has them, which costs nothing per request. The replica keeps
those gauges in a private registry, never on its /metrics: summed with the workers'
in Prometheus they would count every customer twice.
"""

from __future__ import annotations

import json

from streams.telemetry.metrics import Metrics


def _standing(stored: bytes | None) -> tuple[str | None, str | None]:
    if stored is None:
        return None, None
    state = json.loads(stored)
    return state.get("tier"), state.get("grade")


def move(metrics: Metrics, old: bytes | None, new: bytes | None) -> None:
    """Move the tier and grade gauges for one state replaced (None: absent)."""
    before, after = _standing(old), _standing(new)
    if before == after:
        return
    if before[0] is not None:
        metrics.customers_by_tier.labels(before[0]).dec()
    if before[1] is not None:
        metrics.customers_by_grade.labels(before[1]).dec()
    if after[0] is not None:
        metrics.customers_by_tier.labels(after[0]).inc()
    if after[1] is not None:
        metrics.customers_by_grade.labels(after[1]).inc()
