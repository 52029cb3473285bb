"""The replay's input, customer by customer: each customer's lines together and in file
order, nothing lost or added, in bounded memory (spilled buckets), nothing left behind."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tierstream.demo.generator import generate
from tierstream.offline.customer_order import (
    UNKNOWN_SIZE_BUCKETS,
    _bucket_count,
    customer_batches,
)
from tierstream.offline.split import customer_of
from tierstream.pipeline import RawRecord


def line(customer: str, n: int) -> bytes:
    return json.dumps({"customer_id": customer, "event_id": f"{customer}-{n}"}).encode()


def records(batches: Iterator[tuple[int, list[RawRecord]]]) -> list[tuple[int, bytes]]:
    return [(r.offset, r.value or b"") for _, batch in batches for r in batch]


def runs(ordered: list[tuple[int, bytes]]) -> list[tuple[str | None, list[int]]]:
    """The customers in the order they come, each with its line numbers (a line's
    customer as the replay reads it: also from a line that is not a valid event)."""
    out: list[tuple[str | None, list[int]]] = []
    for number, value in ordered:
        customer = customer_of(value)
        if out and out[-1][0] == customer:
            out[-1][1].append(number)
        else:
            out.append((customer, [number]))
    return out


def test_customers_come_in_order_of_first_line_each_with_its_lines_in_file_order() -> None:
    lines = [line("B", 1), line("A", 1), b"{broken", b"  ", line("B", 2), line("A", 2),
             b"not json", line("C", 1), line("B", 3)]
    ordered = records(customer_batches(lines, 2))
    assert runs(ordered) == [("B", [1, 5, 9]), ("A", [2, 6]), (None, [3, 7]), ("C", [8])]
    assert sorted(value for _, value in ordered) == sorted(x.strip() for x in lines if x.strip())


def test_a_file_larger_than_a_bucket_is_spilled_and_still_grouped(tmp_path: Path) -> None:
    values = [r.value or b"" for r in generate(40, seed=5, invalid_ratio=0.1)]
    events = tmp_path / "events.jsonl"
    events.write_bytes(b"\n".join(values) + b"\n")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    with events.open("rb") as f:
        batches = customer_batches(f, 100, scratch=scratch, bucket_bytes=2000)
        first = next(batches)
        assert [p.name[:15] for p in scratch.iterdir()] == [".replay-buckets"], "spilled"
        ordered = records(iter([first, *batches]))
    assert list(scratch.iterdir()) == [], "the spill files are removed at the end"

    in_memory = records(customer_batches(values, 100))
    spilled, whole = runs(ordered), runs(in_memory)
    assert len({c for c, _ in spilled}) == len(spilled), "each customer's lines together"
    assert sorted(spilled, key=str) == sorted(whole, key=str)
    assert sorted(ordered) == sorted(in_memory)


def test_stopping_early_removes_the_spill_files(tmp_path: Path) -> None:
    lines = [line(f"C{i % 50}", i) for i in range(500)]
    batches = customer_batches(lines, 10, scratch=tmp_path, bucket_bytes=500)
    next(batches)
    assert list(tmp_path.iterdir()) != []
    batches.close()
    assert list(tmp_path.iterdir()) == []


def test_only_the_selected_customers_lines_come() -> None:
    lines = [line("A", 1), line("B", 1), b"{broken", line("A", 2)]
    assert runs(records(customer_batches(lines, 10, select=lambda c: c == "A"))) == [
        ("A", [1, 4])]
    assert runs(records(customer_batches(lines, 10, select=lambda c: c is None))) == [
        (None, [3])]


def test_progress_rises_to_the_bytes_read() -> None:
    lines = [line(f"C{i % 7}", i) + b"\n" for i in range(100)]
    positions = [read for read, _ in customer_batches(lines, 10)]
    assert positions == sorted(positions)
    assert positions[-1] == sum(len(x) for x in lines)
    assert 0 < positions[0] < positions[-1]


def test_a_line_is_grouped_by_the_customer_its_stripped_text_names() -> None:
    # bytes.strip() also drops a form feed, which JSON does not take as blank: the
    # customer must be read from the text the pipeline decodes, or A2 comes last
    escaped = b'{"customer_id": "A", "event_id": "A-2", "note": "\\/"}\x0c'
    lines = [line("A", 1), line("B", 1), escaped, line("A", 3)]
    assert runs(records(customer_batches(lines, 10))) == [("A", [1, 3, 4]), ("B", [2])]


def test_a_pipe_of_unknown_size_is_bucketed_as_a_large_input() -> None:
    read_end, write_end = os.pipe()
    with os.fdopen(read_end, "rb") as pipe, os.fdopen(write_end, "wb"):
        assert _bucket_count(pipe, 1 << 20) == UNKNOWN_SIZE_BUCKETS


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts /proc/self/fd")
def test_spilled_buckets_hold_no_file_open(tmp_path: Path) -> None:
    lines = [line(f"C{i}", i) for i in range(2000)]
    before = len(list(Path("/proc/self/fd").iterdir()))
    batches = customer_batches(lines, 10, scratch=tmp_path, bucket_bytes=2000)
    next(batches)  # the first pass is over: every bucket spilled
    assert len(list((next(tmp_path.iterdir())).iterdir())) > 10
    assert len(list(Path("/proc/self/fd").iterdir())) == before
    batches.close()
