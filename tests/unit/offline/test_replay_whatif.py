"""Offline replay, what-if between two policies, and explanations (no Kafka)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tierstream.cli.main import main
from tierstream.offline.replay import replay, replay_into
from tierstream.offline.whatif import compare
from tierstream.policy import DEFAULT_POLICY_FILE, load_policy

POLICY = load_policy()


def line(eid: str, cid: str, type_: str, at: str, **data: object) -> bytes:
    return json.dumps({"event_id": eid, "customer_id": cid, "type": type_, "occurred_at": at,
                       "schema_version": 1, "data": data}).encode()


FIXTURE = [
    line("a1", "C-16K", "salary.changed", "2026-01-01T09:00:00Z", monthly_income=16000),
    line("b1", "C-25K", "salary.changed", "2026-01-01T09:00:00Z", monthly_income=25000),
    line("c1", "C-12K", "salary.changed", "2026-01-01T09:00:00Z", monthly_income=12000),
    line("c2", "C-12K", "profile.updated", "2026-01-02T09:00:00Z", education="doctorate"),
    line("a2", "C-16K", "salary.changed", "2026-02-01T09:00:00Z", monthly_income=9000),
    b"{broken",
    line("a2", "C-16K", "salary.changed", "2026-02-01T09:00:00Z", monthly_income=9000),
]


def stricter(tmp_path: Path) -> Path:
    raw = yaml.safe_load(DEFAULT_POLICY_FILE.read_text(encoding="utf-8"))
    raw["name"] = "income-20k"
    raw["tier"]["b_criteria"]["high_income"]["min_income"] = 20000
    path = tmp_path / "income-20k.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


def events_file(tmp_path: Path, records: list[bytes] = FIXTURE) -> Path:
    """The fixture as a JSON-lines file, the way the commands read events."""
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"\n".join(records) + b"\n")
    return path


def test_replay_decides_like_the_worker_and_counts_everything(tmp_path: Path) -> None:
    result, _ = replay_into(tmp_path, FIXTURE, POLICY)
    assert result.tally.standing == {
        "C-16K": ("C", "A"), "C-25K": ("B", "A"), "C-12K": ("B", "A")}
    alerts = (tmp_path / "customer-alerts.jsonl").read_text().splitlines()
    assert [json.loads(a)["type"] for a in alerts] == ["income.drop", "tier.downgraded"]
    summary = result.tally.totals().summary()
    assert summary["events"] == 7
    assert summary["applied"] == 5
    assert summary["duplicates"] == 1
    assert summary["rejected"] == {"not_json": 1}
    assert summary["tier_transitions"] == {"B->C": 1, "C->B": 1, "new->B": 2, "new->C": 1}
    assert json.loads((tmp_path / "summary.json").read_text()) == summary
    assert (tmp_path / "rejected.jsonl").read_text() == (
        '{"line": 6, "reason": "not_json", "detail": "not valid JSON: Expecting property name '
        'enclosed in double quotes: line 1 column 2 (char 1)"}\n')


def test_whatif_migration_matrix_on_a_known_fixture(tmp_path: Path) -> None:
    new_policy = load_policy(stricter(tmp_path))
    fixture = [*FIXTURE[:4]]  # before the salary drop: C-16K is B only by income
    report = compare(replay(fixture, POLICY).tally, replay(fixture, new_policy).tally)
    assert report.matrix["B"] == {"A": 0, "B": 2, "C": 1, "D": 0}  # C-16K drops to C
    assert report.matrix["C"]["C"] == 0
    assert report.moved() == 1
    assert report.samples == {"B->C": ["C-16K"]}
    assert report.new_version.startswith("income-20k@")
    assert "B->C: C-16K" in report.render()


def test_replay_command_writes_topic_named_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = events_file(tmp_path)
    assert main(["replay", str(events), "--out", str(tmp_path / "out")]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["customers"] == 3
    tiers = (tmp_path / "out" / "customer-tiers.jsonl").read_text().splitlines()
    assert [json.loads(t)["customer_id"] for t in tiers] == ["C-12K", "C-16K", "C-25K"]


def test_whatif_command_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    events = events_file(tmp_path, FIXTURE[:4])
    assert main(["whatif", str(events), "--from", str(DEFAULT_POLICY_FILE),
                 "--to", str(stricter(tmp_path)), "--json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["customers_moved"] == 1
    assert body["migration"]["B"]["C"] == 1


def test_explain_from_a_replay_says_what_is_missing_for_a(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = events_file(tmp_path)
    assert main(["explain", "C-25K", "--events", str(events)]) == 0
    text = capsys.readouterr().out
    assert "Customer C-25K: tier B, grade A" in text
    assert "high_income" in text
    assert "To reach tier A:" in text
    assert "more installment(s) paid on time (0/6)" in text
    assert "3 more month(s) needed" in text


def test_explain_unknown_customer_is_one_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = events_file(tmp_path)
    assert main(["explain", "C-NOBODY", "--events", str(events)]) == 2
    assert "C-NOBODY has no applied event" in capsys.readouterr().err


def test_replay_of_a_missing_file_is_one_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", "/no/such/events.jsonl"]) == 2
    assert "no such events file" in capsys.readouterr().err
