"""The broker restarts mid-stream: the worker waits, reconnects and loses nothing.

Uses a private broker (its own ports and data directory, started and stopped by
scripts/kafka-local.sh), never the shared one other tests and developers use.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from streams.kafka.topics import create_topics
from tests.integration.faults import (
    QUIET,
    assert_same_as_reference,
    final_states,
    latest_standings,
    output_ids,
    private_broker,
    produce_fast,
    reference,
    stream,
    wait_applied,
    wait_processed,
)
from tests.integration.harness import WorkerProcess, unique_settings

pytestmark = pytest.mark.integration


async def test_worker_survives_a_broker_restart_mid_stream(tmp_path: Path) -> None:
    with private_broker(tmp_path / "kafka") as broker:
        settings = unique_settings(tmp_path, bootstrap_servers=broker.bootstrap, **QUIET)
        await create_topics(settings)
        records = stream(90, prefix="BR-")
        half = len(records) // 2
        ref = reference(records)

        worker = WorkerProcess(settings, tmp_path / "worker.log")
        try:
            await produce_fast(settings, records[:half])
            await wait_applied([worker], half // 2)
            broker.stop()  # mid-stream: the worker's fetches and sends now fail
            assert worker.proc.poll() is None
            broker.start()
            await produce_fast(settings, records[half:])
            await wait_processed(settings, [worker])
        finally:
            worker.stop()
        assert_same_as_reference(ref, await final_states(settings),
                                 await latest_standings(settings))
        assert set(await output_ids(settings, committed_only=False)) == ref.output_ids
