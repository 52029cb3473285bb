"""The package as a user gets it: the wheel, installed into a fresh virtualenv, run
from a folder outside the repository.

This catches what the source tree hides: a data file that is not package data (the
default policy), an import of something only the repository has, an entry point
that does not start. Slow (a build and an install from the package index), hence
marked integration.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.paths import REPO
from tierstream import __version__
from tierstream.policy import load_policy

pytestmark = pytest.mark.integration

# What the Dockerfile copies into its build stage: the wheel is built from these only.
SOURCES = ("pyproject.toml", "README.md", "tierstream", "streams", "schemas")


def _run(args: list[str], cwd: Path, timeout: float = 300) -> str:
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          check=False, env={"PATH": "/usr/bin:/bin", "HOME": str(Path.home())})
    assert done.returncode == 0, f"{args}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin/ folder of a fresh virtualenv holding only the wheel and its dependencies."""
    root = tmp_path_factory.mktemp("wheel")
    source = root / "source"
    source.mkdir()
    for name in SOURCES:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, source / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy2(REPO / name, source / name)
    wheels = root / "wheels"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir",
          str(wheels), str(source)], cwd=root)
    [wheel] = wheels.glob("tierstream-*.whl")
    venv.create(root / "venv", with_pip=True)
    bin_dir = root / "venv" / "bin"
    _run([str(bin_dir / "pip"), "install", "--quiet", "--disable-pip-version-check",
          str(wheel)], cwd=root)
    return bin_dir


def test_the_installed_command_works_outside_the_repository(
    installed: Path, tmp_path: Path
) -> None:
    tierstream = str(installed / "tierstream")
    assert _run([tierstream, "--version"], tmp_path) == f"tierstream {__version__}\n"
    assert _run([str(installed / "python"), "-m", "tierstream", "--version"],
                tmp_path) == f"tierstream {__version__}\n"

    _run([tierstream, "generate", "--customers", "25", "--invalid-ratio", "0.05",
          "--out", "events.jsonl"], tmp_path)
    summary = json.loads(_run([tierstream, "replay", "events.jsonl"], tmp_path))
    assert summary["customers"] == 25
    assert summary["policy_version"] == load_policy().version  # the packaged default

    policy = tmp_path / "my-policy.yaml"
    policy.write_text(_run([tierstream, "policy", "default"], tmp_path), encoding="utf-8")
    checked = _run([tierstream, "policy", "check", policy.name], tmp_path)
    assert checked == f"ok: {policy.name} is policy {load_policy().version}\n"

    where = _run([str(installed / "python"), "-c",
                  "import tierstream.policy as p; print(p.DEFAULT_POLICY_FILE)"], tmp_path)
    assert Path(where.strip()).is_relative_to(installed.parent)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events.jsonl", "my-policy.yaml"]
