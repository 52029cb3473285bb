"""No output is lost whichever step a crash interrupts (the processor's write order).

The worker sends the outputs of an event, waits until the broker has them, and only
then stores the customer's state. These tests crash a processor at each step and
redeliver the record, the way Kafka does after a restart.
"""

from __future__ import annotations

import json
from collections.abc import MutableMapping
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from streams.processing.processor import Processor, RawRecord
from streams.telemetry.metrics import Metrics
from tests.unit.builders import DEFAULT_POLICY, NOW
from tierstream.partitioning import default_partition
from tierstream.policy import ActivePolicy
from tierstream.settings import Settings

SETTINGS = Settings(partitions=4, store="memory://")
CID = "C000001"
KEY = CID.encode()


def record(offset: int, eid: str) -> RawRecord:
    body = {"event_id": eid, "customer_id": CID, "type": "salary.changed",
            "occurred_at": "2026-06-01T09:00:00+08:00", "schema_version": 1,
            "data": {"monthly_income": "25000.00", "currency": "CNY"}}
    return RawRecord("in", default_partition(KEY, 4), offset, None, KEY,
                     json.dumps(body).encode())


class Crash(Exception):
    pass


class Broker:
    """Records what was sent and what the broker acknowledged, in order."""

    def __init__(self) -> None:
        self.pending: list[tuple[str, dict[str, Any]]] = []
        self.acked: list[tuple[str, dict[str, Any]]] = []
        self.steps: list[str] = []

    async def send(self, topic: str, key: bytes | None, value: bytes, part: int | None) -> None:
        self.pending.append((topic, json.loads(value)))
        self.steps.append(f"send:{topic}")

    async def delivered(self) -> None:
        self.acked.extend(self.pending)
        self.pending.clear()
        self.steps.append("delivered")

    def ids(self) -> list[str]:
        return [v.get("event_id") or v.get("alert_id") or f"latest:{v['customer_id']}"
                for _, v in self.acked]


class CrashingTable(dict[bytes, bytes]):
    def __init__(self, broker: Broker, crash: bool) -> None:
        super().__init__()
        self.broker, self.crash = broker, crash

    def __setitem__(self, key: bytes, value: bytes) -> None:
        self.broker.steps.append("table")
        if self.crash:
            raise Crash
        super().__setitem__(key, value)


def processor(table: MutableMapping[bytes, bytes], broker: Broker) -> Processor:
    return Processor(SETTINGS, ActivePolicy(DEFAULT_POLICY), table, broker.send,
                     Metrics.create(CollectorRegistry()), lambda: NOW, broker.delivered)


async def test_outputs_are_acknowledged_before_the_state_is_stored() -> None:
    broker = Broker()
    await processor(CrashingTable(broker, crash=False), broker).handle(record(0, "e-1"))
    assert broker.steps[-2:] == ["delivered", "table"]
    assert broker.steps[0].startswith("send:")


async def test_a_crash_before_the_state_is_stored_re_emits_the_same_ids() -> None:
    broker = Broker()
    table = CrashingTable(broker, crash=True)
    with pytest.raises(Crash):
        await processor(table, broker)._handle(record(0, "e-1"))
    first = broker.ids()
    assert first
    assert not table

    table.crash = False
    await processor(table, broker).handle(record(0, "e-1"))  # redelivered after restart
    assert broker.ids() == first + first  # repeated, same ids: downstream drops repeats
    assert KEY in table


async def test_a_redelivered_duplicate_restores_the_same_state() -> None:
    """A duplicate re-writes the stored state, so a changelog record lost in a crash is
    written again; nothing is published twice for it."""
    broker = Broker()
    table = CrashingTable(broker, crash=False)
    await processor(table, broker).handle(record(0, "e-1"))
    stored, sent = table[KEY], len(broker.acked)
    broker.steps.clear()
    await processor(table, broker).handle(record(0, "e-1"))
    assert broker.steps == ["table"]
    assert table[KEY] == stored
    assert len(broker.acked) == sent
