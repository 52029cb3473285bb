"""Pure arithmetic of the benchmark: rates, percentiles, medians, latency matching.

Kept free of Kafka so it is unit-tested (tests/unit/test_bench_stats.py).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime


def rate(count: int, first_ms: int, last_ms: int) -> float:
    """Records per second between the first and the last record's timestamp."""
    if count < 2 or last_ms <= first_ms:
        return 0.0
    return (count - 1) * 1000.0 / (last_ms - first_ms)


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (pct in 0..100) of a non-empty sequence."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100.0 * len(ordered)))
    return ordered[rank - 1]


def median(values: Iterable[float]) -> float:
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2.0


def match_latencies(
    sent: Sequence[tuple[bytes, int, float]], received: Sequence[tuple[bytes, int, float]]
) -> list[int]:
    """Milliseconds from each input to the first output that decided it.

    `sent` holds (key, timestamp ms, occurred_at) per input, `received` (key,
    timestamp ms, as_of) per latest-tier output, event times as epoch seconds, each in
    per-key order. A worker that decides in batches publishes one latest-tier record
    per customer and batch, whose `as_of` covers every event of that customer up to
    it: an input is answered by the first output of its customer whose `as_of`
    reaches the input's `occurred_at`.
    """
    inputs: dict[bytes, list[tuple[int, float]]] = defaultdict(list)
    for key, ts, occurred in sent:
        inputs[key].append((ts, occurred))
    answered: dict[bytes, int] = defaultdict(int)
    out = []
    for key, ts, as_of in received:
        pending = inputs.get(key, [])
        n = answered[key]
        while n < len(pending) and pending[n][1] <= as_of:
            out.append(ts - pending[n][0])
            n += 1
        answered[key] = n
    return out


def event_time(iso: str) -> float:
    """Epoch seconds of an ISO 8601 time with an offset (input occurred_at, output as_of)."""
    return datetime.fromisoformat(iso).timestamp()
