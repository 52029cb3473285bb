"""kill -9 mid-stream, and a lost local store: the results equal a run without the fault.

Each test streams a few thousand synthetic events (tierstream.demo.generator), hurts
the worker half-way, starts it again and compares every customer's final state,
tier and grade with the pure core's fault-free reference. Outputs may repeat under
either guarantee (same ids, dropped downstream), never go missing or change.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from streams.kafka.topics import create_topics
from tests.integration.faults import (
    QUIET,
    assert_same_as_reference,
    final_states,
    kill_9,
    latest_standings,
    output_ids,
    produce_fast,
    reference,
    stream,
    wait_applied,
    wait_processed,
)
from tests.integration.harness import WorkerProcess, unique_settings

pytestmark = pytest.mark.integration

CUSTOMERS = 120  # about 2,000 events


@pytest.mark.parametrize("guarantee", ["at_least_once", "exactly_once"])
async def test_kill_9_mid_stream_then_restart_loses_nothing(
    tmp_path: Path, guarantee: str
) -> None:
    settings = unique_settings(tmp_path, processing_guarantee=guarantee, **QUIET)
    await create_topics(settings)
    records = stream(CUSTOMERS, prefix=f"K{guarantee[:1]}-")
    ref = reference(records)
    await produce_fast(settings, records)

    first = WorkerProcess(settings, tmp_path / "worker-1.log")
    try:
        await wait_applied([first], len(records) // 3)
    finally:
        kill_9(first)
    second = WorkerProcess(settings, tmp_path / "worker-2.log")
    try:
        await wait_processed(settings, [second])
    finally:
        second.stop()

    committed_only = guarantee == "exactly_once"
    assert_same_as_reference(ref, await final_states(settings), await latest_standings(settings))
    seen = await output_ids(settings, committed_only)
    assert set(seen) == ref.output_ids  # no tier change or alert lost, none invented
    repeats = sum(seen.values()) - len(seen)
    print(f"{guarantee}: {len(records)} events, {len(seen)} outputs, {repeats} repeated")
    # Repeats are allowed (consumers drop them by id) but bounded by what one crash can
    # redo. faust's exactly_once does not remove them here: see docs/guarantees.md "Delivery
    # guarantees" for the measured numbers that made at_least_once the default.
    assert repeats <= len(seen)


async def test_a_worker_whose_local_store_was_deleted_rebuilds_from_the_changelog(
    tmp_path: Path,
) -> None:
    settings = unique_settings(tmp_path, **QUIET)
    await create_topics(settings)
    records = stream(60, prefix="RDB-")
    half = len(records) // 2
    ref = reference(records)

    await produce_fast(settings, records[:half])
    first = WorkerProcess(settings, tmp_path / "worker-1.log")
    try:
        await wait_processed(settings, [first])
    finally:
        first.stop()
    shutil.rmtree(settings.data_dir)  # the disk is gone; the changelog is not

    await produce_fast(settings, records[half:])
    second = WorkerProcess(settings, tmp_path / "worker-2.log")
    try:
        await wait_processed(settings, [second], timeout=60)
    finally:
        second.stop()
    # Customers with events in both halves were decided from restored state: had the
    # restore missed anything, their state (seen ids, facts, tier) would differ.
    assert_same_as_reference(ref, await final_states(settings), await latest_standings(settings))
    assert set(await output_ids(settings, False)) == ref.output_ids
