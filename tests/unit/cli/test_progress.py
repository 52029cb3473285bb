"""Replay progress on stderr: a bar on a terminal, a plain line every few seconds in logs."""

from __future__ import annotations

import io

from tierstream.cli.progress import CountProgress, ReplayProgress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_off_a_terminal_a_plain_line_every_few_seconds_with_rate_and_eta() -> None:
    out, clock = io.StringIO(), Clock()
    with ReplayProgress(1_000_000, stream=out, every_seconds=5, clock=clock) as progress:
        clock.now += 1
        progress(100_000, 1_000)  # too soon: nothing
        clock.now += 9
        progress(250_000, 20_000)
    lines = out.getvalue().splitlines()
    assert lines == [
        "replay: 20,000 events, 2,000 events/s, 25% of 1.0 MB, ETA 30s",
        "replay: done, 20,000 events in 10s (2,000 events/s)",
    ]


def test_a_short_run_off_a_terminal_prints_nothing() -> None:
    out = io.StringIO()
    with ReplayProgress(1000, stream=out) as progress:
        progress(1000, 10)
    assert out.getvalue() == ""


def test_on_a_terminal_a_bar_over_the_bytes_with_events_per_second() -> None:
    out, clock = Terminal(), Clock()
    with ReplayProgress(2048, stream=out, clock=clock) as progress:
        clock.now += 2
        progress(1024, 5_000)
    text = out.getvalue()
    assert "replay:  50%" in text
    assert "5,000 events, 2,500 events/s" in text


def test_without_a_known_size_the_bar_has_no_eta() -> None:
    out = Terminal()
    with ReplayProgress(None, stream=out) as progress:
        progress(1024, 10)
    assert "%" not in out.getvalue()


def test_counted_work_off_a_terminal_shows_rate_share_and_eta() -> None:
    out, clock = io.StringIO(), Clock()
    with CountProgress(1000, "produce", stream=out, every_seconds=5, clock=clock) as progress:
        clock.now += 2
        progress(100)  # too soon: nothing
        clock.now += 3
        progress(250)
    assert out.getvalue().splitlines() == [
        "produce: 250 records, 50 records/s, 25% of 1,000, ETA 15s",
        "produce: done, 250 records in 5s (50 records/s)",
    ]


def test_counted_work_without_a_total_shows_count_and_rate() -> None:
    out, clock = io.StringIO(), Clock()
    with CountProgress(None, "generate", unit="events", stream=out, every_seconds=1,
                       clock=clock) as progress:
        clock.now += 2
        progress(400)
    assert out.getvalue().splitlines()[0] == "generate: 400 events, 200 events/s"


def test_counted_work_on_a_terminal_is_a_bar_with_rate_and_eta() -> None:
    out = Terminal()
    with CountProgress(1000, "produce", stream=out) as progress:
        progress(500)
    text = out.getvalue()
    assert "produce:  50%" in text or "produce: 100%" in text
    assert "records/s" in text
    assert "<" in text  # elapsed<remaining
