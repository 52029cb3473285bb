"""`tierstream erase` through a real worker on the real broker.

A customer gets a tier (and an override due to expire, so a re-evaluation entry);
then an operator runs `tierstream erase`. The state and due changelogs and the
latest-tier topic end with a tombstone for the customer, the audit topic says who
asked, the query API answers 404, and a new event for the same id starts a new
customer. Another customer is left as it was.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from streams.kafka.topics import DUE_TABLE, HISTORY_TABLE, STATE_TABLE, changelog_topic
from tests.integration.harness import (
    REPO,
    WorkerProcess,
    event,
    produce,
    read_until,
    settings_env,
    wait_for_async,
)
from tierstream.settings import Settings

pytestmark = pytest.mark.integration

CID, OTHER = "ER-001", "ER-002"
KEY = CID.encode()
Records = dict[str, list[tuple[bytes | None, bytes | None]]]


def _story(cid: str) -> list[tuple[bytes, bytes]]:
    return [
        event(f"{cid}-p", cid, "profile.updated", "2026-01-01T09:00:00+08:00",
              education="master"),
        event(f"{cid}-s", cid, "salary.changed", "2026-01-02T09:00:00+08:00",
              monthly_income=25_000),
        event(f"{cid}-o", cid, "tier.override", "2026-01-03T09:00:00+08:00", tier="A",
              reason="private banking", approved_by="rm-7",
              expires_at="2026-09-01T00:00:00+08:00"),
    ]


async def _read_raw(settings: Settings, topics: list[str], done: Callable[[Records], bool],
                    worker: WorkerProcess, timeout: float = 90.0) -> Records:
    """(key, value) of every record of `topics`, tombstones included, until `done`."""
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.bootstrap_servers, group_id=None,
                                auto_offset_reset="earliest", enable_auto_commit=False)
    await consumer.start()
    seen: Records = {t: [] for t in topics}
    deadline = time.monotonic() + timeout
    try:
        parts = [TopicPartition(t, p) for t in topics for p in range(settings.partitions)]
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        while not done(seen):
            if time.monotonic() > deadline:
                counts = {t: len(v) for t, v in seen.items()}
                raise AssertionError(f"timed out; got {counts}\n{worker.log_tail()}")
            for tp, msgs in (await consumer.getmany(timeout_ms=500)).items():
                seen[tp.topic].extend((m.key, m.value) for m in msgs)
        return seen
    finally:
        await consumer.stop()


def _last(records: list[tuple[bytes | None, bytes | None]], key: bytes) -> tuple[bool, Any]:
    """Whether `key` has a record, and its last value."""
    values = [v for k, v in records if k == key]
    return bool(values), values[-1] if values else None


async def _status(settings: Settings, cid: str) -> int:
    url = f"http://{settings.web_host}:{settings.web_port}/customers/{cid}"
    try:
        async with aiohttp.ClientSession() as http, http.get(url) as resp:
            return resp.status
    except aiohttp.ClientError:
        return 0


def _erase(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tierstream", "erase", *args], cwd=REPO,
                          env=settings_env(settings), capture_output=True, text=True,
                          timeout=60, check=False)


async def test_an_erased_customer_is_gone_and_comes_back_new(
    settings: Settings, worker: WorkerProcess
) -> None:
    state_log, due_log = (changelog_topic(settings, STATE_TABLE),
                          changelog_topic(settings, DUE_TABLE))
    history_log = changelog_topic(settings, HISTORY_TABLE)
    await produce(settings, _story(CID) + _story(OTHER))
    await wait_for_async(lambda: _status(settings, CID), lambda s: s == 200, timeout=120)

    done = await asyncio.to_thread(
        _erase, settings, CID, "--requested-by", "dpo@bank.example", "--request-id", "DSR-1")
    assert done.returncode == 0, done.stderr
    [said] = done.stdout.splitlines()
    assert said.startswith(f"erasure of {CID} requested: event erase-")

    def erased(seen: Records) -> bool:
        tombstoned = [_last(seen[t], KEY) == (True, None)
                      for t in (state_log, due_log, history_log, settings.latest_topic)]
        return all(tombstoned) and _last(seen[settings.erasures_topic], KEY)[0]

    seen = await _read_raw(settings, [state_log, due_log, history_log, settings.latest_topic,
                                      settings.erasures_topic], erased, worker)
    for topic in (state_log, due_log, history_log, settings.latest_topic):
        assert any(k == KEY and v is not None for k, v in seen[topic]), topic  # it had data
        assert _last(seen[topic], OTHER.encode())[1] is not None  # the other one is kept
    audit = json.loads(_last(seen[settings.erasures_topic], KEY)[1])
    assert (audit["customer_id"], audit["requested_by"], audit["request_id"]) == (
        CID, "dpo@bank.example", "DSR-1")
    assert audit["erased"] == ["state", "due", "history", "latest_tier"]
    assert "25000" not in json.dumps(audit)
    assert await _status(settings, CID) == 404
    assert await _status(settings, OTHER) == 200

    await produce(settings, [event("n1", CID, "salary.changed", "2026-02-01T09:00:00+08:00",
                                   monthly_income=5_000)])

    def new_customer(out: dict[str, list[dict[str, Any]]]) -> bool:
        return any(c["cause_event_id"] == "n1" for c in out[settings.tier_changes_topic])

    out = await read_until(settings, [settings.tier_changes_topic], new_customer,
                           worker=worker)
    [fresh] = [c for c in out[settings.tier_changes_topic] if c["cause_event_id"] == "n1"]
    assert fresh["customer_id"] == CID
    assert fresh["previous"] is None  # nothing of the erased customer: a first tier
    await wait_for_async(lambda: _status(settings, CID), lambda s: s == 200)


async def test_erase_without_an_input_topic_is_one_line(settings: Settings) -> None:
    missing = settings.model_copy(update={"input_topic": settings.input_topic + "-missing"})
    done = await asyncio.to_thread(_erase, missing, CID, "--requested-by", "dpo")
    assert done.returncode == 2
    [line] = done.stderr.splitlines()
    assert "does not exist" in line
