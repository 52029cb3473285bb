"""Reading a history: the standing in force at a time, and one page of a time range.

Times are event times (the cause events' `occurred_at`). A decision is in force from
its `occurred_at` on, inclusive: asked exactly at that instant, the new standing
answers. A range is half-open, `start <= occurred_at < end`, so consecutive ranges
never show a decision twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from tierstream.history.entries import Entry

MAX_LIMIT = 1000
DEFAULT_LIMIT = 100


@dataclass(frozen=True)
class Window:
    """Which decisions to show: a time range, then a page of it."""

    start: datetime | None = None  # inclusive; None: from the oldest kept
    end: datetime | None = None  # exclusive; None: up to the newest
    limit: int = DEFAULT_LIMIT
    offset: int = 0  # decisions of the range to skip: the previous page's `next_offset`

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_LIMIT:
            raise ValueError(f"limit must be between 1 and {MAX_LIMIT}")
        if self.offset < 0:
            raise ValueError("offset must not be negative")
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ValueError("to must not be before from")


def in_force(entries: Sequence[Entry], at: datetime) -> Entry | None:
    """The newest decision (in time order) with `occurred_at <= at`; None before the first."""
    found = None
    for entry in entries:
        if entry.occurred_at > at:
            break
        found = entry
    return found


def select(entries: Sequence[Entry], window: Window) -> tuple[list[Entry], int, int | None]:
    """The page of `window`: its entries, how many the range holds, and the offset of
    the next page (None on the last)."""
    in_range = [e for e in entries
                if (window.start is None or e.occurred_at >= window.start)
                and (window.end is None or e.occurred_at < window.end)]
    stop = window.offset + window.limit
    following = stop if stop < len(in_range) else None
    return in_range[window.offset:stop], len(in_range), following
