"""Appending to a history: exact records kept, no duplicates, time order, retention."""

from __future__ import annotations

from datetime import timedelta

from tests.unit.history.records import change
from tierstream.history import append, decode, encode, entries_of, prune

YEAR = timedelta(days=365)
FIRST = change("e1", "2023-01-01T00:00:00+00:00", "C", previous=None)
SECOND = change("e2", "2024-01-01T00:00:00+00:00", "B")
THIRD = change("e3", "2025-06-01T00:00:00+00:00", "A", previous=("B", "A"))
FOURTH = change("e4", "2026-06-01T00:00:00+00:00", "B", previous=("A", "A"))


def test_the_published_bytes_come_back_unchanged() -> None:
    assert decode(encode([FIRST, SECOND])) == [FIRST, SECOND]
    assert decode(encode([])) == []


def test_appending_keeps_time_order_and_ignores_a_redelivered_decision() -> None:
    stored = append(None, [FIRST, SECOND], YEAR * 10)
    stored = append(stored, [SECOND, THIRD], YEAR * 10)  # a batch decided again
    late = change("e0", "2023-06-01T00:00:00+00:00", "B")  # decided after SECOND
    stored = append(stored, [late], YEAR * 10)
    assert [e.event_id for e in entries_of(decode(stored))] == ["e1", "e0", "e2", "e3"]


def test_decisions_of_the_same_instant_keep_the_order_they_were_made_in() -> None:
    a = change("a", "2024-01-01T08:00:00+08:00", "B")
    b = change("b", "2024-01-01T00:00:00+00:00", "A")  # the same instant, another offset
    assert decode(append(append(None, [a], YEAR), [b], YEAR)) == [a, b]


def test_pruning_keeps_the_horizon_and_the_standing_in_force_when_it_begins() -> None:
    stored = append(None, [FIRST, SECOND, THIRD, FOURTH], YEAR)
    # horizon: 2025-06-01 .. 2026-06-01; THIRD, at the cutoff itself, is in force then
    assert decode(stored) == [THIRD, FOURTH]
    stored = append(None, [FIRST, SECOND, THIRD, FOURTH], YEAR + timedelta(days=1))
    assert decode(stored) == [SECOND, THIRD, FOURTH]


def test_pruning_step_by_step_keeps_what_pruning_once_keeps() -> None:
    records = [FIRST, SECOND, THIRD, FOURTH]
    stored = None
    for r in records:
        stored = append(stored, [r], YEAR)
    assert stored is not None
    assert decode(stored) == decode(append(None, records, YEAR))
    entries = entries_of(records)
    assert prune(prune(entries, 2 * YEAR), YEAR) == prune(entries, YEAR)
