"""Pure arithmetic of the benchmark: rates, percentiles, medians, latency matching.

Kept free of Kafka so it is unit-tested (tests/unit/test_bench_stats.py).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence


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
    sent: Sequence[tuple[bytes, int]], received: Sequence[tuple[bytes, int]]
) -> list[int]:
    """Milliseconds from each input to its output, matched per key in order.

    A customer's records stay in one partition, so its n-th output answers its
    n-th input; `sent` and `received` hold (key, timestamp ms) in per-key order.
    """
    inputs: dict[bytes, list[int]] = defaultdict(list)
    for key, ts in sent:
        inputs[key].append(ts)
    seen: dict[bytes, int] = defaultdict(int)
    out = []
    for key, ts in received:
        n = seen[key]
        seen[key] = n + 1
        if n < len(inputs[key]):
            out.append(ts - inputs[key][n])
    return out
