"""`rejected.jsonl` lists rejected lines by line number, however they were rejected."""

from __future__ import annotations

import json
from pathlib import Path

from tierstream.offline.rejected import RejectedLines
from tierstream.offline.replay import replay_into
from tierstream.policy import load_policy


def test_rejections_out_of_order_are_written_by_line_number(tmp_path: Path) -> None:
    rejected = RejectedLines(tmp_path / "rejected.jsonl", run=3)
    order = [9, 2, 7, 1, 8, 3, 10, 5]
    for number in order:
        rejected.add(number, "invalid_json", f"line {number}")
    assert [p.name[:10] for p in tmp_path.iterdir()] == [".rejected-"], "runs spilled"
    rejected.write()
    written = [json.loads(x) for x in (tmp_path / "rejected.jsonl").read_text().splitlines()]
    assert [w["line"] for w in written] == sorted(order)
    assert all(w["detail"] == f"line {w['line']}" for w in written)
    assert [p.name for p in tmp_path.iterdir()] == ["rejected.jsonl"], "runs removed"


def salary(customer: str, n: int, income: object) -> bytes:
    return json.dumps({
        "event_id": f"{customer}-{n}", "customer_id": customer, "type": "salary.changed",
        "occurred_at": f"2026-01-0{n}T09:00:00Z", "schema_version": 1,
        "data": {"monthly_income": income}}).encode()


def test_a_replay_lists_rejected_lines_in_file_order(tmp_path: Path) -> None:
    lines = [salary("B", 1, 9000), salary("A", 1, -1), salary("B", 2, "x"), b"{broken",
             salary("A", 2, 5000), salary("B", 3, -5)]
    replay_into(tmp_path, lines, load_policy())
    written = [json.loads(x) for x in (tmp_path / "rejected.jsonl").read_text().splitlines()]
    assert [w["line"] for w in written] == [2, 3, 4, 6]


def test_the_summary_names_a_reasons_first_line_in_the_file(tmp_path: Path) -> None:
    # B's lines are decided first (B comes first), so its bad line 4 is rejected
    # before A's bad line 3
    lines = [salary("B", 1, 9000), salary("A", 1, 9000), salary("A", 2, "x"),
             salary("B", 2, "y")]
    result, _ = replay_into(tmp_path, lines, load_policy())
    assert result.tally.totals().rejected == {"invalid_field": [2, 3]}
