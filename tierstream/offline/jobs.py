"""`replay --jobs N`: N processes decide one file, each its share of the customers.

Each job reads the file itself and keeps the lines of its customers (split.py), so
nothing is shipped between processes but a progress counter; each writes its own
output files and totals, and the parent merges them (merge.py). Processes, not
threads: deciding is CPU-bound Python. On Linux a job is forked from a parent that
runs a single thread, so it starts with everything imported (0.2 s sooner per run);
otherwise it is spawned, a clean interpreter, since a fork copies no other thread
and a lock one of them held would stay locked in the job.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import tempfile
from dataclasses import dataclass
from multiprocessing.connection import wait
from multiprocessing.context import ForkContext, SpawnContext
from multiprocessing.sharedctypes import SynchronizedArray
from pathlib import Path

from tierstream.offline.merge import merge_outputs
from tierstream.offline.replay import DEFAULT_MAX_BYTES, Progress, replay, replay_into
from tierstream.offline.split import JobSelector
from tierstream.offline.tally import Totals
from tierstream.policy import Policy

_TOTALS = "totals.json"


class JobFailed(RuntimeError):
    """A job process ended without its results (its traceback is on stderr)."""


@dataclass(frozen=True)
class _Job:
    events: Path
    policy: Policy
    index: int
    jobs: int
    folder: Path  # the job's totals, and its output files when `write` is set
    write: bool
    max_bytes: int


def replay_jobs(
    events: Path,
    policy: Policy,
    jobs: int,
    out: Path | None,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    progress: Progress | None = None,
    poll_seconds: float = 0.2,
) -> tuple[Totals, list[Path]]:
    """Replay `events` in `jobs` processes; the merged totals and (with `out`) files."""
    context = _context()
    shared: SynchronizedArray[int] = context.Array("q", 2 * jobs)  # per job: bytes, events
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".replay-jobs-", dir=out) as scratch:
        specs = [_Job(events, policy, i, jobs, Path(scratch) / str(i), out is not None,
                      max_bytes) for i in range(jobs)]
        processes = [context.Process(target=_run, args=(spec, shared), name=f"replay-{i}")
                     for i, spec in enumerate(specs)]
        try:
            for process in processes:
                process.start()
            while running := [p.sentinel for p in processes if p.is_alive()]:
                wait(running, timeout=poll_seconds)  # a job's end wakes it at once
                if progress is not None:
                    _report(shared, jobs, progress)
            if progress is not None:
                _report(shared, jobs, progress)
        finally:
            for process in processes:
                if process.is_alive():
                    process.terminate()
                process.join()
        failed = [p.name for p in processes if p.exitcode != 0]
        if failed:
            raise JobFailed(f"replay job(s) failed: {', '.join(failed)}")
        totals = Totals.merge(
            Totals.from_json((spec.folder / _TOTALS).read_text(encoding="utf-8"))
            for spec in specs)
        paths = merge_outputs([s.folder for s in specs], out, totals) if out is not None else []
    return totals, paths


def _context() -> ForkContext | SpawnContext:
    if sys.platform == "linux" and len(os.listdir("/proc/self/task")) == 1:
        return multiprocessing.get_context("fork")  # one thread, counting C-started ones
    return multiprocessing.get_context("spawn")


def _report(shared: SynchronizedArray[int], jobs: int, progress: Progress) -> None:
    counts = shared[:]
    progress(min(counts[0::2]), sum(counts[1::2]))  # the file is done when the last job is


def _run(job: _Job, shared: SynchronizedArray[int]) -> None:
    """One job, in its own process."""
    select = JobSelector(job.index, job.jobs)

    def report(read: int, events: int) -> None:
        shared[2 * job.index], shared[2 * job.index + 1] = read, events

    job.folder.mkdir(parents=True, exist_ok=True)
    with job.events.open("rb") as lines:
        if job.write:
            result, _ = replay_into(job.folder, lines, job.policy, max_bytes=job.max_bytes,
                                    select=select, progress=report)
        else:
            result = replay(lines, job.policy, max_bytes=job.max_bytes, select=select,
                            progress=report, scratch=job.folder)
    (job.folder / _TOTALS).write_text(result.tally.totals().to_json(), encoding="utf-8")
