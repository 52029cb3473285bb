"""The benchmark's arithmetic: a wrong percentile or a mismatched latency would mislead."""

from __future__ import annotations

import pytest

from bench.profile import parse, top_frames
from bench.report import summarize, table
from bench.stats import event_time, match_latencies, median, percentile, rate


def test_rate_counts_intervals_between_first_and_last_record() -> None:
    assert rate(1001, 10_000, 11_000) == pytest.approx(1000.0)
    assert rate(1, 10_000, 10_000) == 0.0


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile(values, 100) == 100.0
    assert percentile([7.0], 99) == 7.0
    with pytest.raises(ValueError, match="no values"):
        percentile([], 50)


def test_median_of_odd_and_even_counts() -> None:
    assert median([3.0, 1.0, 2.0]) == 2.0
    assert median([4.0, 1.0, 3.0, 2.0]) == 2.5


def test_latencies_match_each_customers_outputs_in_order() -> None:
    sent = [(b"a", 100, 1.0), (b"b", 105, 1.0), (b"a", 110, 2.0)]
    received = [(b"b", 120, 1.0), (b"a", 130, 1.0), (b"a", 150, 2.0), (b"c", 160, 1.0)]
    assert sorted(match_latencies(sent, received)) == [15, 30, 40]


def test_one_output_of_a_batch_answers_every_input_it_covers() -> None:
    sent = [(b"a", 100, 1.0), (b"a", 104, 2.0), (b"a", 108, 3.0), (b"a", 200, 4.0)]
    received = [(b"a", 110, 2.0), (b"a", 120, 3.0), (b"a", 230, 4.0)]
    assert match_latencies(sent, received) == [10, 6, 12, 30]


def test_event_times_of_any_offset_compare_as_instants() -> None:
    assert event_time("2026-01-08T09:04:36+08:00") == event_time("2026-01-08T01:04:36Z")


def test_summary_takes_medians_and_the_ratio_of_medians() -> None:
    reps = [
        {"ceiling_events_per_s": 1000.0, "worker_events_per_s": 400.0, "state": None},
        {"ceiling_events_per_s": 1200.0, "worker_events_per_s": 600.0, "state": None},
        {"ceiling_events_per_s": 800.0, "worker_events_per_s": 500.0, "state": None},
    ]
    summary = summarize(reps)
    assert summary["worker_events_per_s"] == 500.0
    assert summary["ratio"] == pytest.approx(0.5)
    assert summary["state"] is None


def test_profile_adds_up_a_functions_samples_across_lines() -> None:
    raw = (
        "main (app.py:1);handle (p.py:10);dumps (j.py:5) 3\n"
        "main (app.py:1);handle (p.py:12);loads (j.py:9) 1\n"
    )
    busy, idle, rows = top_frames(parse(raw))
    assert (busy, idle) == (4, 0)
    by_frame = {frame: (own, incl) for frame, own, incl in rows}
    assert by_frame["handle (p.py)"] == (0, 4)
    assert by_frame["dumps (j.py)"] == (3, 3)


def test_table_shows_medians_the_ratio_and_failed_variants() -> None:
    rep = {"ceiling_events_per_s": 1000.0, "worker_events_per_s": 250.0,
           "worker_cpu_us_per_event": 800.0, "peak_rss_bytes": 150e6,
           "state_bytes_per_customer": 1700.0, "latency_p50_ms": 3.0,
           "latency_p99_ms": 40.0, "latency_max_ms": 90.0}
    result = {"events": 100, "customers": 10, "variants": [
        {"name": "rocksdb/at_least_once/1w", "repetitions": [rep], "median": summarize([rep])},
        {"name": "rocksdb/at_least_once/2w", "error": "stalled", "repetitions": [],
         "median": {}},
    ]}
    rows = table(result).splitlines()
    assert "| 25.0% " in rows[2]
    assert "| 1,700 |" in rows[2]
    assert "failed: stalled" in rows[3]
