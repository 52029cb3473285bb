"""Two workers; one is killed mid-stream, the other takes over, then it comes back.

The survivor must restore the dead worker's customers from the changelog and carry
on; when the second worker starts again the partitions are shared out again. The
final state of every customer equals the fault-free reference.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from streams.kafka.topics import create_topics
from tests.integration.faults import (
    QUIET,
    assert_same_as_reference,
    final_states,
    group_offsets,
    kill_9,
    latest_standings,
    output_ids,
    produce_fast,
    reference,
    stream,
    wait_applied,
    wait_processed,
)
from tests.integration.harness import (
    WorkerProcess,
    free_port,
    unique_settings,
    wait_for,
    wait_for_async,
)

pytestmark = pytest.mark.integration


def owned_input_partitions(log: Path, topic: str) -> bool:
    """faust logs each assignment as a table row `| <topic> | {0-1} |`."""
    row = re.compile(rf"\|\s*{re.escape(topic)}\s*\|\s*\{{[0-9, -]+\}}")
    return bool(row.search(log.read_text(errors="replace")))


@pytest.mark.parametrize("killed", ["early", "after_committing"])
async def test_a_killed_worker_s_partitions_move_to_the_other_and_back(
    tmp_path: Path, killed: str
) -> None:
    """Killed early (20 events in, usually before b's first commit), the survivor reads
    b's partitions from their start; killed after committing, from b's committed
    offsets: the two paths of streams/worker/faust_fixes.py."""
    one = unique_settings(tmp_path, data_dir=tmp_path / "one", **QUIET)
    two = one.model_copy(update={"data_dir": tmp_path / "two", "web_port": free_port()})
    await create_topics(one)
    records = stream(90, prefix="RB-")
    thirds = [records[: len(records) // 3], records[len(records) // 3: 2 * len(records) // 3],
              records[2 * len(records) // 3:]]
    ref = reference(records)

    a = WorkerProcess(one, tmp_path / "a.log")
    b = WorkerProcess(two, tmp_path / "b-1.log")
    b_again: WorkerProcess | None = None
    try:
        await produce_fast(one, thirds[0])
        # b must own input partitions when it dies, so that a really takes some over.
        await wait_for(lambda: owned_input_partitions(tmp_path / "b-1.log", one.input_topic))
        await wait_applied([a, b], 20)
        if killed == "after_committing":  # every partition, b's too, has a committed offset
            await wait_for_async(lambda: group_offsets(one),
                                 lambda offsets: len(offsets[0]) == one.partitions)
        kill_9(b)  # mid-stream: a takes over b's partitions after the session timeout
        await produce_fast(one, thirds[1])
        await wait_processed(one, [a], timeout=60)

        b_again = WorkerProcess(two, tmp_path / "b-2.log")
        # a alone can drain the last third before b rejoins the group: wait for the
        # rebalance that hands b its partitions back, then feed it.
        await wait_for(lambda: owned_input_partitions(tmp_path / "b-2.log", one.input_topic))
        await produce_fast(one, thirds[2])
        await wait_processed(one, [a, b_again], timeout=60)
    finally:
        a.stop()
        if b_again is not None:
            b_again.stop()
    # b owned input partitions when it was killed, and got some back after its restart ...
    assert owned_input_partitions(tmp_path / "b-1.log", one.input_topic)
    assert owned_input_partitions(tmp_path / "b-2.log", one.input_topic)
    # ... and nothing was lost or decided differently along the way.
    assert_same_as_reference(ref, await final_states(one), await latest_standings(one))
    assert set(await output_ids(one, committed_only=False)) == ref.output_ids


async def test_a_worker_killed_before_its_first_commit_is_replaced(tmp_path: Path) -> None:
    """The group has no committed offset yet when its only worker dies; the replacement,
    with its own empty store, restores from the changelog and consumes everything.
    (faust alone left such partitions where its recovery prefetch had stopped, and
    never committed them: streams/worker/faust_fixes.py.)"""
    first = unique_settings(tmp_path, data_dir=tmp_path / "first", **QUIET)
    second = first.model_copy(update={"data_dir": tmp_path / "second", "web_port": free_port()})
    await create_topics(first)
    records = stream(40, prefix="RC-")
    ref = reference(records)
    await produce_fast(first, records)

    doomed = WorkerProcess(first, tmp_path / "first.log")
    try:
        await wait_applied([doomed], 10)  # well inside faust's first commit interval
    finally:
        kill_9(doomed)
    replacement = WorkerProcess(second, tmp_path / "second.log")
    try:
        await wait_processed(first, [replacement], timeout=60)
    finally:
        replacement.stop()
    assert_same_as_reference(ref, await final_states(first), await latest_standings(first))
