"""A history page: a half-open time range, then `limit` changes from `offset`."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.unit.history.records import CID, change
from tierstream.history import Window, append, history_page

MONTHS = [f"2026-{m:02d}-01T00:00:00Z" for m in range(1, 8)]
HISTORY = append(None, [change(f"e{i}", t, "B" if i % 2 else "C", previous=None if i == 0
                               else ("C", "A")) for i, t in enumerate(MONTHS)],
                 timedelta(days=3 * 365))


def ids(window: Window) -> tuple[list[str], int, int | None]:
    page = history_page(CID, HISTORY, window, served_by="test")
    return [c.event_id for c in page.changes], page.total, page.next_offset


def t(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_the_whole_history_in_time_order() -> None:
    assert ids(Window()) == ([f"e{i}" for i in range(7)], 7, None)


def test_from_is_inclusive_and_to_exclusive() -> None:
    assert ids(Window(t(MONTHS[2]), t(MONTHS[4]))) == (["e2", "e3"], 2, None)
    assert ids(Window(t(MONTHS[6]), None)) == (["e6"], 1, None)
    assert ids(Window(None, t(MONTHS[0]))) == ([], 0, None)


def test_pages_follow_next_offset_to_the_end() -> None:
    seen: list[str] = []
    offset: int | None = 0
    while offset is not None:
        page, total, offset = ids(Window(limit=3, offset=offset))
        assert total == 7
        seen += page
    assert seen == [f"e{i}" for i in range(7)]
    assert ids(Window(limit=7)) == ([f"e{i}" for i in range(7)], 7, None)
    assert ids(Window(offset=9)) == ([], 7, None)


def test_a_full_history_says_nothing_was_dropped() -> None:
    assert history_page(CID, HISTORY, Window(), "t").kept_from is None


@pytest.mark.parametrize(("limit", "offset"), [(0, 0), (1001, 0), (1, -1)])
def test_a_window_out_of_bounds_is_refused(limit: int, offset: int) -> None:
    with pytest.raises(ValueError, match=r"limit|offset"):
        Window(limit=limit, offset=offset)


def test_to_before_from_is_refused() -> None:
    with pytest.raises(ValueError, match="before"):
        Window(t(MONTHS[3]), t(MONTHS[1]))
