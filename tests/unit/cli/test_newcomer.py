"""What a new user meets first, without a broker: the version, the packaged default
policy, a file of events to replay, readable what-if tables and one-line refusals."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.paths import REPO
from tests.unit.cli.test_cli import _one_line_error, _run
from tierstream import __version__
from tierstream.cli.main import main
from tierstream.policy import DEFAULT_POLICY_FILE, load_policy


def test_version_is_the_installed_distributions(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert capsys.readouterr().out == f"tierstream {project['version']}\n"
    assert __version__ == project["version"]


def test_python_dash_m_runs_the_same_command_from_any_folder(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "tierstream", "--version"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout == f"tierstream {__version__}\n"


def test_the_default_policy_ships_in_the_package_and_equals_the_top_level_copy() -> None:
    package = REPO / "tierstream"
    assert DEFAULT_POLICY_FILE.parent.is_relative_to(package)
    assert (REPO / "policies" / "default.yaml").read_bytes() == DEFAULT_POLICY_FILE.read_bytes(), (
        "policies/default.yaml is a copy of tierstream/policy/default.yaml: keep them equal")
    data = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    shipped = data["tool"]["setuptools"]["package-data"]["tierstream.policy"]
    assert DEFAULT_POLICY_FILE.name in shipped


def test_policy_default_prints_a_policy_to_start_from(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["policy", "default"]) == 0
    mine = tmp_path / "mine.yaml"
    mine.write_text(capsys.readouterr().out, encoding="utf-8")
    assert load_policy(mine).version == load_policy().version


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines()


def test_generate_writes_the_synthetic_stream_as_json_lines_for_replay(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = tmp_path / "events.jsonl"
    assert main(["generate", "--customers", "12", "--seed", "3", "--invalid-ratio", "0.1",
                 "--out", str(events)]) == 0
    err = capsys.readouterr().err
    lines = _lines(events)
    assert f"wrote {len(lines)} records (" in err
    assert f"of 12 customers to {events}" in err
    again = tmp_path / "again.jsonl"
    assert main(["generate", "--customers", "12", "--seed", "3", "--invalid-ratio", "0.1",
                 "--out", str(again)]) == 0
    assert again.read_bytes() == events.read_bytes()  # same seed, same file

    assert main(["replay", str(events)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["customers"] == 12
    assert summary["events"] == len(lines)
    rejected = sum(summary["rejected"].values())
    assert 0 < rejected < len(lines) * 0.2
    assert summary["applied"] + rejected == len(lines)  # nothing else: no key to mismatch


def test_generate_to_stdout_with_a_persona_mix(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "tierstream", "generate", "--customers", "3",
                           "--persona", "struggler", "--id-prefix", "X-", "--out", "-"],
                          cwd=tmp_path, capture_output=True, timeout=60, check=True)
    events = [json.loads(line) for line in done.stdout.splitlines()]
    assert events
    assert {e["customer_id"] for e in events} == {"X-C000001", "X-C000002", "X-C000003"}
    assert list(tmp_path.iterdir()) == []


def test_whatif_prints_its_tables(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    events = tmp_path / "events.jsonl"
    assert main(["generate", "--customers", "30", "--out", str(events)]) == 0
    looser = tmp_path / "looser.yaml"
    looser.write_text(DEFAULT_POLICY_FILE.read_text(encoding="utf-8").replace(
        "min_income: 15000", "min_income: 5000"), encoding="utf-8")
    capsys.readouterr()
    assert main(["whatif", str(events), "--from", str(DEFAULT_POLICY_FILE),
                 "--to", str(looser)]) == 0
    out = capsys.readouterr().out
    moved = int(out.split("customers moved: ")[1].split()[0])
    assert moved > 0
    rows = {line.split()[1]: line.split()[3:10:2] for line in out.splitlines()
            if line.startswith("│") and line.split()[1] in "ABCD" and len(line.split()) == 11}
    assert list(rows) == ["A", "B", "C", "D"]
    diagonal = sum(int(rows[t][i]) for i, t in enumerate("ABCD"))
    total = sum(int(n) for row in rows.values() for n in row)
    assert total - diagonal == moved
    assert "alerts" in out
    assert "sample customers" in out


def test_a_taken_web_port_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        line = _one_line_error(_run(["worker"], tmp_path, TIERSTREAM_WEB_PORT=str(port),
                                    TIERSTREAM_BOOTSTRAP_SERVERS="127.0.0.1:1"))
    assert f"cannot listen on 127.0.0.1:{port}" in line
    assert "TIERSTREAM_WEB_PORT" in line


@pytest.mark.parametrize("servers", ["localhost:abc", "", "a:1,,b:2"])
def test_a_malformed_broker_list_is_one_line(servers: str, tmp_path: Path) -> None:
    line = _one_line_error(_run(["topics", "create"], tmp_path,
                                TIERSTREAM_BOOTSTRAP_SERVERS=servers))
    assert "TIERSTREAM_BOOTSTRAP_SERVERS" in line


def test_reconcile_refuses_what_is_not_a_worker_address(tmp_path: Path) -> None:
    line = _one_line_error(_run(["reconcile", "--metrics", "127.0.0.1:6066"], tmp_path))
    assert "127.0.0.1:6066: not an http(s)://HOST:PORT[/metrics] URL" in line
    line = _one_line_error(_run(["reconcile", "--metrics", "http://127.0.0.1:1"], tmp_path))
    assert "cannot reach http://127.0.0.1:1/metrics" in line


def test_tail_refuses_negative_limits_and_alerts_without_a_tier(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["tail", "--limit", "-3"])
    assert exit_.value.code == 2
    assert "argument --limit: must be 0 or more" in capsys.readouterr().err
    line = _one_line_error(_run(["tail", "--alerts"], tmp_path))
    assert "--alerts only goes with --tier" in line
