"""`tierstream history --dir`: a replay's tier changes, asked like the query API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.unit.history.records import CID, change
from tierstream.cli.main import main
from tierstream.offline.files import TIER_CHANGES

FIRST_AT, CHANGE_AT = "2026-01-01T09:00:00+08:00", "2026-03-31T10:00:00+08:00"


@pytest.fixture
def replay_dir(tmp_path: Path) -> Path:
    other = change("x1", FIRST_AT, "A", previous=None).replace(CID.encode(), b"C9999")
    lines = [change("e1", FIRST_AT, "C", previous=None), other, change("e2", CHANGE_AT, "B")]
    (tmp_path / TIER_CHANGES).write_bytes(b"".join(line + b"\n" for line in lines))
    return tmp_path


def history(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["history", *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_the_customers_changes_are_printed_in_time_order(
    replay_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = history(capsys, CID, "--dir", str(replay_dir), "--json")
    body = json.loads(out)
    assert status == 0
    assert [c["event_id"] for c in body["changes"]] == ["e1", "e2"]
    assert (body["total"], body["next_offset"], body["served_by"]) == (2, None, "replay")
    status, out, _ = history(capsys, CID, "--dir", str(replay_dir), "--limit", "1")
    assert "- -> C/A" in out
    assert "More: --offset 1" in out


def test_the_standing_on_a_day_with_its_reasons(
    replay_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = history(capsys, CID, "--dir", str(replay_dir),
                             "--as-of", "2026-03-31T23:59:59+08:00")
    assert status == 0
    assert "tier B, grade A" in out
    assert "why_B: tier B" in out
    assert "cause-e2" in out


def test_failures_are_one_line_and_exit_2(
    replay_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = history(capsys, CID, "--dir", str(replay_dir),
                             "--as-of", "2025-12-31T00:00:00Z")
    assert (status, err.count("\n")) == (2, 1)
    assert "had no tier" in err
    status, _, err = history(capsys, "NOBODY", "--dir", str(replay_dir))
    assert (status, err.count("\n")) == (2, 1)
    status, _, err = history(capsys, CID, "--dir", str(tmp_path / "missing"))
    assert (status, err.count("\n")) == (2, 1)
    with pytest.raises(SystemExit) as exited:  # argparse: usage, then the one error line
        main(["history", CID, "--dir", str(replay_dir), "--as-of", "2026-03-31"])
    assert exited.value.code == 2
    assert "needs a UTC offset" in capsys.readouterr().err
