"""The customers-per-tier/grade and table-size gauges: kept on each write, rebuilt on recovery.

Each state write knows the old and the new bytes, and each published tier change the
standing it moves from and to, so the gauges move without reading the table. A worker
that starts, or gets other partitions in a rebalance, has no history to move from:
after every table recovery it counts once over the table partitions it now owns
(`rebuild`). That pass reads each stored state's `tier` and `grade`; its cost grows
with the customers on this worker and is paid once per rebalance, while the stream is
paused, never per event.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping

from schemas.outputs import Standing
from schemas.vocabulary import GRADES, TIERS
from streams.telemetry.metrics import Metrics
from tierstream.pipeline import Send


def track_write(metrics: Metrics, old: bytes | None, new: bytes) -> None:
    """Move the table gauges for one customer state written over `old` (None: new)."""
    if old is None:
        metrics.table_customers.inc()
    metrics.table_state_bytes.inc(len(new) - (len(old) if old is not None else 0))


def track_erasures(metrics: Metrics, sends: Iterable[Send],
                   stored: Mapping[bytes, bytes | None]) -> None:
    """Move every gauge for the customers erased in a batch (`stored`: their states as
    the batch found them). Each erasure takes the customer out of the tier and grade
    it was counted in last: the batch's last change before it, else the stored one."""
    counted = {key: _standing(old) for key, old in stored.items()}
    for send in sends:
        if send.key is None or send.key not in counted:
            continue
        if send.role == "tier_change" and send.value is not None:
            current = json.loads(send.value)["current"]
            counted[send.key] = (current["tier"], current["grade"])
        elif send.role == "erasure":
            was, counted[send.key] = counted[send.key], None
            if was is not None:
                metrics.customers_by_tier.labels(was[0]).dec()
                metrics.customers_by_grade.labels(was[1]).dec()
    for old in stored.values():
        if old is not None:
            metrics.table_customers.dec()
            metrics.table_state_bytes.dec(len(old))


def _standing(stored: bytes | None) -> tuple[str, str] | None:
    if stored is None:
        return None
    state = json.loads(stored)
    tier, grade = state.get("tier"), state.get("grade")
    return (tier, grade) if tier is not None and grade is not None else None


def track_change(metrics: Metrics, previous: Standing | None, current: Standing) -> None:
    """Move the tier and grade gauges for one published change (in publication order)."""
    if previous is not None:
        metrics.customers_by_tier.labels(previous.tier).dec()
        metrics.customers_by_grade.labels(previous.grade).dec()
    metrics.customers_by_tier.labels(current.tier).inc()
    metrics.customers_by_grade.labels(current.grade).inc()


def rebuild(metrics: Metrics, states: Iterable[bytes | None]) -> int:
    """Set every gauge from the stored states this worker owns; returns how many."""
    tiers: Counter[str] = Counter()
    grades: Counter[str] = Counter()
    customers = size = 0
    for stored in states:
        if stored is None:
            continue
        customers += 1
        size += len(stored)
        state = json.loads(stored)
        if state.get("tier") is not None:
            tiers[state["tier"]] += 1
        if state.get("grade") is not None:
            grades[state["grade"]] += 1
    for tier in TIERS:
        metrics.customers_by_tier.labels(tier).set(tiers[tier])
    for grade in GRADES:
        metrics.customers_by_grade.labels(grade).set(grades[grade])
    metrics.table_customers.set(customers)
    metrics.table_state_bytes.set(size)
    return customers
