"""`tierstream replay` as a user runs it, timed from outside, with its peak memory.

Each run is a child process of the command line. Its memory is read from /proc
while it runs (every 50 ms): the high-water mark of each process of the run (the
replay, or its parent and jobs), and the sum of their resident sets, since N jobs
hold N sets of states at once. Not the kernel's rusage at exit: a child started
from this (large) process by vfork reports this process's high-water mark too.
Without /proc, the rusage is all there is.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

_SAMPLE_SECONDS = 0.05


@dataclass(frozen=True)
class Run:
    jobs: int
    seconds: float
    peak_rss_bytes: int  # the largest single process of the run
    tree_rss_bytes: int | None  # all processes of the run together (None: no /proc)


def replay_run(events: Path, jobs: int) -> Run:
    command = [sys.executable, "-m", "tierstream", "replay", str(events), "--jobs", str(jobs)]
    proc_fs = Path("/proc").is_dir()
    peaks: dict[int, int] = {}  # pid -> its high-water mark
    tree = 0
    with tempfile.TemporaryDirectory(prefix="bench-core-") as scratch:
        out, log = Path(scratch) / "out", Path(scratch) / "stderr.log"
        with log.open("wb") as err:
            t0 = time.perf_counter()
            proc = subprocess.Popen([*command, "--out", str(out)], stdout=subprocess.DEVNULL,
                                    stderr=err)
            while True:
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    break
                if proc_fs:
                    now = 0
                    for member in _tree(proc.pid):
                        rss, hwm = _memory(member)
                        now += rss
                        peaks[member] = max(peaks.get(member, 0), hwm)
                    tree = max(tree, now)
                time.sleep(_SAMPLE_SECONDS)
            seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{log.read_text()[-2000:]}")
    if not proc_fs:
        return Run(jobs, seconds, usage.ru_maxrss * 1024, None)
    return Run(jobs, seconds, max(peaks.values(), default=0), tree)


def _tree(root: int) -> set[int]:
    """`root` and all its descendants alive now."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
            parents[int(stat.parent.name)] = int(fields[1])
        except (OSError, ValueError, IndexError):
            continue
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier.extend(children)
    return tree


def _memory(pid: int) -> tuple[int, int]:
    """Resident set and its high-water mark, in bytes (0, 0 for a process that ended)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0, 0
    found = {}
    for line in status.splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            found[line[:5]] = int(line.split()[1]) * 1024
    return found.get("VmRSS", 0), found.get("VmHWM", 0)
