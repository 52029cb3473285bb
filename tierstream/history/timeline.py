"""Appending decisions to a history and bounding it by the retention horizon.

A history is kept in time order (the cause events' `occurred_at`; decisions with the
same time in the order they were made). Appending is idempotent: a decision whose
`event_id` is already there (a batch redelivered after its outputs were published)
is not added twice.

Pruning keeps what the policy's retention horizon keeps of the state
(tierstream/core/retention.py), counted back from the newest decision: every
decision inside the horizon, plus the newest one before it, the standing in force
when the horizon begins. So an as-of question anywhere inside the horizon has its
answer. Pruning at a later cutoff after an earlier one keeps exactly what pruning
once at the later cutoff keeps: the worker (which prunes at each append) and a
replay's history (pruned once) agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from tierstream.history.codec import decode, encode
from tierstream.history.entries import Entry, entries_of


def merged(old: Sequence[Entry], new: Sequence[Entry]) -> list[Entry]:
    """`old` and the decisions of `new` not seen before, in time order."""
    seen = {e.event_id for e in old}
    added: list[Entry] = []
    for entry in new:
        if entry.event_id not in seen:
            seen.add(entry.event_id)
            added.append(entry)
    return sorted([*old, *added], key=lambda e: e.occurred_at)  # stable: ties keep order


def prune(entries: Sequence[Entry], keep: timedelta) -> list[Entry]:
    """The entries (in time order) within `keep` of the newest, and the one in force
    when that horizon begins."""
    if not entries:
        return []
    cutoff = entries[-1].occurred_at - keep
    after = next((i for i, e in enumerate(entries) if e.occurred_at > cutoff), len(entries))
    return list(entries[max(after - 1, 0):])  # from the one in force at the cutoff


def append(stored: bytes | None, records: Sequence[bytes], keep: timedelta) -> bytes:
    """The stored history after `records` (tier-change records) were published."""
    old = entries_of(decode(stored)) if stored is not None else []
    kept = prune(merged(old, entries_of(records)), keep)
    return encode([e.raw for e in kept])
