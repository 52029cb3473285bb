"""Hostile and odd input against a live worker: it keeps running, every bad record is
dead-lettered with a reason, every valid event interleaved with them is applied, and
the books balance: input = applied + duplicates + dead-lettered + forwarded."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest

from schemas.outputs import DeadLetterHeaders
from streams.kafka.reconcile import reconcile
from streams.kafka.topics import create_topics
from tests.fuzz_corpus import PII_INCOME, body, hostile, odd_but_valid, raw
from tests.integration.faults import (
    QUIET,
    assert_same_as_reference,
    final_states,
    latest_standings,
    produce_fast,
    read_all,
    reference,
    stream,
    wait_processed,
)
from tests.integration.harness import WorkerProcess, unique_settings

pytestmark = pytest.mark.integration

async def test_hostile_input_is_dead_lettered_and_valid_events_all_apply(
    tmp_path: Path,
) -> None:
    settings = unique_settings(tmp_path, **QUIET)
    await create_topics(settings)
    rng = random.Random(6)
    bad = hostile(rng)
    valid = stream(12, prefix="FZ-") + odd_but_valid()
    replays = [valid[0], valid[5], valid[9]]  # redelivered events: duplicates
    keyless = body(event_id="fz-keyless", customer_id="FZ-KEYLESS")
    records: list[tuple[bytes | None, bytes]] = []
    for i, record in enumerate(valid):
        records.append(record)
        if i < len(bad):
            records.append(bad[i])
    records += bad[len(valid):] + replays + [(None, raw(keyless))]

    worker = WorkerProcess(settings, tmp_path / "worker.log")
    try:
        await produce_fast(settings, records)
        await wait_processed(settings, [worker])
        assert worker.proc.poll() is None, "the worker died"
        books = await reconcile(settings, [f"http://127.0.0.1:{settings.web_port}/metrics"])
    finally:
        worker.stop()

    letters = await read_all(settings, settings.dlq_topic)
    dead = [m.value for m in letters]  # a dead letter is the rejected record's own bytes
    assert Counter(dead) == Counter(v for _, v in bad)  # each bad record once, nothing else
    whys = [DeadLetterHeaders.from_headers(m.headers) for m in letters]
    assert all(w.reason and w.detail for w in whys)
    reasons = Counter(w.reason for w in whys)
    print("dead-letter reasons:", dict(reasons))

    ref = reference([*valid, (None, raw(keyless))])
    assert_same_as_reference(ref, await final_states(settings), await latest_standings(settings))

    log = (tmp_path / "worker.log").read_text(errors="replace")
    assert "monthly_income" not in log
    assert PII_INCOME not in log

    print(books.summary())
    assert books.balanced, books.summary()
    assert (books.rejected, books.duplicate, books.forwarded) == (len(bad), len(replays), 1)
    assert books.applied == len(valid) + 1
