"""The `tierstream` command without a broker: help everywhere, offline commands, one-line errors.

Errors are checked on a real subprocess, as an operator sees them: the whole of
stderr is one line starting with `tierstream:` and the exit status is 2.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from schemas.export import CONTRACTS, JSON_DIR
from tests.paths import REPO
from tierstream.cli.main import build_parser, main
from tierstream.demo.generator import assign_personas


def _commands(
    parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()
) -> list[tuple[str, ...]]:
    """Every command path of the parser: ("worker",), ("topics", "create"), ..."""
    found: list[tuple[str, ...]] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.append((*prefix, name))
                found.extend(_commands(sub, (*prefix, name)))
    return found


COMMANDS = _commands(build_parser())


def test_the_command_set_is_complete() -> None:
    names = {c[0] for c in COMMANDS}
    assert {"worker", "produce", "tail", "policy", "schemas", "topics"} <= names
    assert {("topics", "create"), ("schemas", "export"), ("policy", "check")} <= set(COMMANDS)


@pytest.mark.parametrize("command", [(), *COMMANDS], ids=lambda c: " ".join(c) or "top")
def test_every_command_has_help(
    command: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([*command, "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: tierstream")
    assert out.count("\n") > 2


def test_schemas_export_writes_the_contract_files(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schemas", "export", "--dir", str(tmp_path / "out")]) == 0
    for name in CONTRACTS:
        written = (tmp_path / "out" / name).read_text(encoding="utf-8")
        assert written == (JSON_DIR / name).read_text(encoding="utf-8")
    printed = capsys.readouterr().out.splitlines()
    assert {str(tmp_path / "out" / name) for name in CONTRACTS} <= set(printed)


def test_schemas_export_writes_under_the_current_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["schemas", "export"]) == 0
    for name in CONTRACTS:
        written = (tmp_path / "schemas" / "json" / name).read_text(encoding="utf-8")
        assert written == (JSON_DIR / name).read_text(encoding="utf-8")
    assert (tmp_path / "schemas" / "openapi.yaml").is_file()


def test_policy_check_accepts_the_default_policy(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy", "check", str(REPO / "policies" / "default.yaml")]) == 0
    assert "default@" in capsys.readouterr().out


def test_produce_refuses_bad_arguments_before_connecting(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for bad in (["--customers", "-1"], ["--invalid-ratio", "1.5"], ["--rate", "fast"],
                ["--persona", "nobody"], ["--duration", "-3"]):
        with pytest.raises(SystemExit) as exit_:
            main(["produce", *bad])
        assert exit_.value.code == 2
        assert "error: argument" in capsys.readouterr().err


def test_persona_mix_keeps_only_the_named_personas() -> None:
    chosen = assign_personas(30, seed=3, only={"struggler", "rising_star"})
    assert {p.name for p in chosen} == {"struggler", "rising_star"}
    with pytest.raises(ValueError, match="unknown persona"):
        assign_personas(3, only={"nobody"})


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port  # closed again: nothing listens there


def _run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TIERSTREAM_")}
    clean.update(env, TIERSTREAM_DATA_DIR=str(tmp_path / "data"))
    return subprocess.run([sys.executable, "-m", "tierstream", *args], cwd=REPO,
                          env=clean, capture_output=True, text=True, timeout=60, check=False)


def _one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("tierstream: ")
    return lines[0]


@pytest.mark.parametrize("command", [["topics", "create"], ["produce", "--limit", "1"],
                                     ["tail", "--limit", "1"], ["worker"],
                                     ["policy", "publish", "policies/default.yaml"]],
                         ids=lambda c: c[0])
def test_an_unreachable_broker_is_one_line(command: list[str], tmp_path: Path) -> None:
    port = _closed_port()
    line = _one_line_error(_run(command, tmp_path,
                                TIERSTREAM_BOOTSTRAP_SERVERS=f"127.0.0.1:{port}"))
    assert f"cannot reach Kafka at 127.0.0.1:{port}" in line


def test_a_bad_setting_is_one_line_naming_the_variable(tmp_path: Path) -> None:
    line = _one_line_error(_run(["topics", "create"], tmp_path, TIERSTREAM_PARTITIONS="many",
                                TIERSTREAM_WEB_PORT="0"))
    assert "TIERSTREAM_PARTITIONS" in line
    assert "TIERSTREAM_WEB_PORT" in line


def test_a_bad_file_is_one_line(tmp_path: Path) -> None:
    line = _one_line_error(_run(["policy", "check", str(tmp_path / "missing.yaml")], tmp_path))
    assert "missing.yaml" in line
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    line = _one_line_error(_run(["schemas", "export", "--dir", str(blocker / "json")],
                                tmp_path))
    assert "a-file" in line


def test_a_request_the_broker_refuses_is_one_line() -> None:
    from aiokafka.errors import NotLeaderForPartitionError

    from tierstream.cli.base import CliError, run_async
    from tierstream.settings import Settings

    async def refused() -> None:
        raise NotLeaderForPartitionError()

    with pytest.raises(CliError, match="refused the request: NotLeaderForPartitionError"):
        run_async(refused(), Settings())
