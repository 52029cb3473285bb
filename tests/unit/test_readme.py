"""The README stays short and true: its runnable command blocks run, its links resolve.

A command block marked with a `<!-- runnable -->` line right before its ```sh fence is
run here, in order, in one temporary folder (later blocks use earlier blocks' files),
with the `tierstream` of this virtualenv first on PATH. Only offline commands may be
marked runnable: no broker, no network. Every relative link of README.md and docs/
must point to a file (and heading) inside the repository.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import REPO

README = REPO / "README.md"
MAX_LINES = 200
MARK = "<!-- runnable -->"
OFFLINE = {"generate", "replay", "whatif", "explain", "policy check", "policy default",
           "schemas export"}
TOOLS = {"sed", "cat", "head", "tail", "ls", "wc", "grep", "cp", "mkdir"}
PATHLIKE = re.compile(r"^[\w.-]+(?:/[\w.-]+)*/?$")
FILE_SUFFIXES = {".jsonl", ".json", ".yaml", ".yml"}
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def runnable_blocks(text: str) -> list[str]:
    blocks, lines = [], text.splitlines()
    for i, line in enumerate(lines):
        if line.strip() != MARK:
            continue
        fence = lines[i + 1].strip() if i + 1 < len(lines) else ""
        assert fence == "```sh", f"README.md:{i + 1}: {MARK} must come right before a ```sh fence"
        body = []
        for inner in lines[i + 2:]:
            if inner.strip() == "```":
                break
            body.append(inner)
        blocks.append("\n".join(body))
    return blocks


def commands(block: str) -> list[list[str]]:
    """The block's commands as shell words (continuation lines joined)."""
    joined = block.replace("\\\n", " ")
    return [shlex.split(line) for line in joined.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def mentioned_files(block: str) -> list[str]:
    """Words that name a file or folder: `x.jsonl`, `x.yaml`, `out/`."""
    return sorted({word for cmd in commands(block) for word in cmd
                   if not word.startswith("-") and PATHLIKE.match(word)
                   and (word.endswith("/") or Path(word).suffix in FILE_SUFFIXES)})


BLOCKS = runnable_blocks(README.read_text(encoding="utf-8"))


def test_readme_is_short() -> None:
    lines = len(README.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"README.md has {lines} lines; at most {MAX_LINES}"


def test_readme_has_runnable_blocks_of_offline_commands_only() -> None:
    assert BLOCKS, f"README.md marks no command block {MARK}"
    for block in BLOCKS:
        for cmd in commands(block):
            if cmd[0] == "tierstream":
                sub = " ".join(cmd[1:3]) if cmd[1] in {"policy", "schemas"} else cmd[1]
                assert sub in OFFLINE, f"not an offline command, cannot run here: {cmd}"
            else:
                assert cmd[0] in TOOLS, f"unexpected program in a runnable block: {cmd}"


def test_runnable_blocks_run(tmp_path: Path) -> None:
    bin_dir = Path(sys.executable).parent
    assert (bin_dir / "tierstream").exists(), f"no tierstream next to {sys.executable}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIERSTREAM_")}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    env["COLUMNS"] = "100"
    for block in BLOCKS:
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", block], cwd=tmp_path,
                              env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, (
            f"README block failed ({done.returncode}):\n{block}\n--- stdout\n"
            f"{done.stdout[-2000:]}\n--- stderr\n{done.stderr[-2000:]}")
        missing = [name for name in mentioned_files(block) if not (tmp_path / name).exists()]
        assert not missing, f"README block did not make {missing}:\n{block}"


# --- Links -----------------------------------------------------------------------------

DOCS = [README, *sorted((REPO / "docs").rglob("*.md"))]


def slug(heading: str) -> str:
    """GitHub's anchor of a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    found, fenced = set(), False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and (m := re.match(r"#+\s+(.*)", line)):
            found.add(slug(m.group(1)))
    return found


def links(path: Path) -> list[tuple[int, str]]:
    found, fenced = [], False
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced:
            found += [(n, m.group(1)) for m in LINK.finditer(line)]
    return found


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(REPO)))
def test_relative_links_point_to_files_in_the_repository(doc: Path) -> None:
    broken = []
    for n, target in links(doc):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto:
            continue
        file_part, _, anchor = target.partition("#")
        resolved = (doc.parent / file_part).resolve() if file_part else doc
        where = f"{doc.relative_to(REPO)}:{n}: {target}"
        if not resolved.is_relative_to(REPO):
            broken.append(f"{where} (outside the repository)")
        elif not resolved.exists():
            broken.append(f"{where} (no such file)")
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
            broken.append(f"{where} (no such heading)")
    assert not broken, "broken links:\n" + "\n".join(broken)
