"""A replay over an erasure ends without the customer, as the worker does; what was
published before the erasure stays in the append-only files, as on the topics."""

from __future__ import annotations

import json
from pathlib import Path

from tierstream.offline.files import ALERTS, TIER_CHANGES, TIERS
from tierstream.offline.jobs import replay_jobs
from tierstream.offline.replay import replay, replay_into
from tierstream.policy import load_policy

POLICY = load_policy()


def event(eid: str, cid: str, kind: str, at: str, **data: object) -> bytes:
    return json.dumps({"event_id": eid, "customer_id": cid, "type": kind, "occurred_at": at,
                       "data": data}).encode() + b"\n"


def salary(eid: str, cid: str, income: int, at: str) -> bytes:
    return event(eid, cid, "salary.changed", at, monthly_income=income)


LINES = [
    salary("a", "C1", 30_000, "2026-01-01T09:00:00Z"),
    salary("b", "C2", 5_000, "2026-01-01T09:00:00Z"),
    event("x", "C1", "customer.erased", "2026-02-01T09:00:00Z", requested_by="dpo"),
    event("y", "C2", "customer.erased", "2026-02-01T09:00:00Z", requested_by="dpo"),
    salary("c", "C2", 6_000, "2026-03-01T09:00:00Z"),  # C2 comes back as a new customer
]


def lines_of(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_the_replay_ends_without_the_erased_customer(tmp_path: Path) -> None:
    result, _ = replay_into(tmp_path, LINES, POLICY)
    assert set(result.states) == {"C2"}
    assert [t["customer_id"] for t in lines_of(tmp_path / TIERS)] == ["C2"]
    assert result.tally.totals().customers == 1
    changes = lines_of(tmp_path / TIER_CHANGES)
    assert [(c["customer_id"], c["previous"] is None) for c in changes] == [
        ("C1", True), ("C2", True), ("C2", True)]  # written before the erasure: kept
    assert (tmp_path / ALERTS).exists()


def test_every_batch_size_and_job_count_agrees(tmp_path: Path) -> None:
    for size in (1, 2, 5):
        assert set(replay(LINES, POLICY, batch=size).states) == {"C2"}
    events = tmp_path / "events.jsonl"
    events.write_bytes(b"".join(LINES))
    totals, _ = replay_jobs(events, POLICY, 2, tmp_path / "out")
    assert totals.customers == 1
    assert [t["customer_id"] for t in lines_of(tmp_path / "out" / TIERS)] == ["C2"]
