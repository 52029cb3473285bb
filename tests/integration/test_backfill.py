"""A deployment bootstrapped from history goes on exactly as one worker over everything.

The first half of a stream is decided offline and written by `tierstream backfill`
into the changelogs and the latest-tier topic; a worker started afterwards restores
it and consumes the second half. Its final states, latest tiers and (with
`--emit-history`) its published output ids equal those of a worker that consumed
the whole stream.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from streams.kafka.topics import create_topics
from tests.integration.faults import (
    QUIET,
    final_states,
    latest_standings,
    output_ids,
    produce_fast,
    stream,
    wait_processed,
)
from tests.integration.harness import REPO, WorkerProcess, settings_env, unique_settings
from tierstream.settings import Settings

pytestmark = pytest.mark.integration


async def outcome(settings: Settings) -> tuple[dict[str, bytes], dict[str, tuple[str, str]],
                                               dict[str, int]]:
    states = {cid: s.to_json() for cid, s in (await final_states(settings)).items()}
    return states, await latest_standings(settings), dict(await output_ids(settings, False))


async def test_backfill_half_then_stream_the_rest(tmp_path: Path) -> None:
    records = stream(30, prefix="BF-")
    half = len(records) // 2
    whole = unique_settings(tmp_path / "whole", **QUIET)
    boot = unique_settings(tmp_path / "boot", **QUIET)
    for s in (whole, boot):
        s.data_dir.parent.mkdir(parents=True)
        await create_topics(s)

    history = tmp_path / "history.jsonl"
    history.write_bytes(b"".join(v + b"\n" for _, v in records[:half]))
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "tierstream", "backfill", str(history), "--emit-history"],
        cwd=REPO, env=settings_env(boot), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr

    reference = WorkerProcess(whole, tmp_path / "whole.log")
    worker = WorkerProcess(boot, tmp_path / "boot.log")
    try:
        await asyncio.gather(produce_fast(whole, records), produce_fast(boot, records[half:]))
        await asyncio.gather(wait_processed(whole, [reference]), wait_processed(boot, [worker]))
    finally:
        reference.stop()
        worker.stop()

    want_states, want_latest, want_ids = await outcome(whole)
    states, latest, ids = await outcome(boot)
    assert len(want_states) == 30
    assert states == want_states
    assert latest == want_latest
    assert ids == want_ids  # every tier change and alert, each exactly once
