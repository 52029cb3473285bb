"""`replay --jobs N` writes what one job writes: the same sets of outputs, each
customer's in the same order, the same sorted files and the same summary."""

from __future__ import annotations

import json
import sys
import threading
from collections import defaultdict
from pathlib import Path

import pytest

from tierstream.cli.main import main
from tierstream.demo.generator import generate
from tierstream.offline.jobs import _context, replay_jobs
from tierstream.offline.replay import replay_into
from tierstream.policy import load_policy

POLICY = load_policy()
PER_CUSTOMER = ("customer-tier-changes.jsonl", "customer-alerts.jsonl")
EXACT = ("customer-tiers.jsonl", "rejected.jsonl", "summary.json")


@pytest.fixture(scope="module")
def events(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Generated events with invalid records, blank lines and lines with no customer."""
    lines = [r.value for r in generate(120, seed=19, invalid_ratio=0.08)]
    lines[5:5] = [b"", b"[]", b'{"customer_id": 7}', b"\xff\xfe"]
    path = tmp_path_factory.mktemp("events") / "events.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def per_customer(folder: Path, name: str) -> dict[str, list[str]]:
    """Each customer's records of a file, in file order, without the decision time."""
    found: dict[str, list[str]] = defaultdict(list)
    for line in (folder / name).read_text(encoding="utf-8").splitlines():
        body = json.loads(line)
        body.pop("decided_at")
        found[body["customer_id"]].append(json.dumps(body, sort_keys=True))
    return dict(found)


def test_two_and_three_jobs_write_what_one_job_writes(events: Path, tmp_path: Path) -> None:
    with events.open("rb") as lines:
        replay_into(tmp_path / "1", lines, POLICY)
    for jobs in (2, 3):
        _, paths = replay_jobs(events, POLICY, jobs, tmp_path / str(jobs))
        assert [p.name for p in paths] == [*PER_CUSTOMER, *EXACT]
        for name in PER_CUSTOMER:
            assert per_customer(tmp_path / str(jobs), name) == per_customer(tmp_path / "1", name)
        for name in EXACT:
            assert (tmp_path / str(jobs) / name).read_bytes() == (
                tmp_path / "1" / name).read_bytes(), name
        assert sorted(p.name for p in (tmp_path / str(jobs)).iterdir()) == sorted(
            [*PER_CUSTOMER, *EXACT])  # the jobs' own folders are gone
    summary = json.loads((tmp_path / "1" / "summary.json").read_text())
    assert summary["rejected"]["not_json"] >= 2
    assert summary["customers"] == 120


def test_jobs_without_an_output_folder_still_give_the_summary(
    events: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["replay", str(events), "--jobs", "2"]) == 0
    two = json.loads(capsys.readouterr().out)
    assert main(["replay", str(events)]) == 0
    assert json.loads(capsys.readouterr().out) == two


def test_jobs_must_be_at_least_one(events: Path) -> None:
    with pytest.raises(SystemExit):
        main(["replay", str(events), "--jobs", "0"])


@pytest.mark.skipif(sys.platform != "linux", reason="jobs are forked on Linux only")
def test_jobs_are_forked_only_from_a_single_thread(events: Path, tmp_path: Path) -> None:
    assert _context().get_start_method() == "fork"
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert _context().get_start_method() == "spawn"
        _, paths = replay_jobs(events, POLICY, 2, tmp_path)  # spawned jobs work too
        assert json.loads(paths[-1].read_text())["customers"] == 120
    finally:
        stop.set()
        other.join()
