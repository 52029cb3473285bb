"""The processor appends each published tier change to the customer's history, once."""

from __future__ import annotations

import json
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from streams.processing.processor import Processor
from streams.telemetry.metrics import Metrics
from tests.unit.builders import DEFAULT_POLICY, NOW
from tierstream.history import decode, entries_of
from tierstream.partitioning import default_partition
from tierstream.pipeline import RawRecord
from tierstream.policy import ActivePolicy
from tierstream.settings import Settings

SETTINGS = Settings(partitions=4, store="memory://")
CID = "C000001"
KEY = CID.encode()


def salary(offset: int, income: int, at: str) -> RawRecord:
    body = {"event_id": f"s{offset}", "customer_id": CID, "type": "salary.changed",
            "occurred_at": at, "schema_version": 1,
            "data": {"monthly_income": str(income), "currency": "CNY"}}
    return RawRecord("in", default_partition(KEY, 4), offset, None, KEY,
                     json.dumps(body).encode())


class Published:
    def __init__(self) -> None:
        self.changes: list[bytes] = []

    async def send(self, topic: str, key: bytes | None, value: bytes | None, part: int | None,
                   headers: list[tuple[str, bytes]] | None = None) -> None:
        if topic == SETTINGS.tier_changes_topic and value is not None:
            self.changes.append(value)


class Crash(Exception):
    pass


class CrashOnce(dict[bytes, bytes]):
    """A state table whose first write fails, as a worker dying before storing state."""

    crashed = False

    def __setitem__(self, key: bytes, value: bytes) -> None:
        if not self.crashed:
            self.crashed = True
            raise Crash
        super().__setitem__(key, value)


def processor(table: dict[bytes, bytes], history: dict[bytes, Any], out: Published) -> Processor:
    return Processor(SETTINGS, ActivePolicy(DEFAULT_POLICY), table, out.send,
                     Metrics.create(CollectorRegistry()), lambda: NOW, history=history)


async def test_every_published_change_is_in_the_history_in_order() -> None:
    out, history = Published(), dict[bytes, bytes]()
    p = processor({}, history, out)
    await p.handle_batch([salary(1, 5_000, "2026-01-01T09:00:00+08:00")])
    await p.handle_batch([salary(2, 16_000, "2026-02-01T09:00:00+08:00"),
                          salary(3, 4_000, "2026-03-01T09:00:00+08:00")])
    assert len(out.changes) == 3
    assert decode(history[KEY]) == out.changes


async def test_a_batch_redelivered_after_a_crash_is_not_recorded_twice() -> None:
    out, history = Published(), dict[bytes, bytes]()
    batch = [salary(1, 5_000, "2026-01-01T09:00:00+08:00")]
    with pytest.raises(Crash):
        await processor(CrashOnce(), history, out).handle_batch(batch)
    table: dict[bytes, bytes] = {}
    await processor(table, history, out).handle_batch(batch)  # redelivered
    assert len(out.changes) == 2, "published again, with the same event id"
    assert [e.event_id for e in entries_of(decode(history[KEY]))] == [
        json.loads(out.changes[0])["event_id"]]
