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

from streams.processing.processor import Processor
from streams.telemetry.metrics import Metrics
from tests.unit.builders import DEFAULT_POLICY, NOW
from tierstream.partitioning import default_partition
from tierstream.pipeline import RawRecord
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

    async def send(self, topic: str, key: bytes | None, value: bytes | None, part: int | None,
                   headers: list[tuple[str, bytes]] | None = None) -> None:
        assert value is not None  # no erasures here: no tombstones
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
        await processor(table, broker).handle(record(0, "e-1"))
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


def customer_record(cid: str, offset: int, eid: str, day: int, income: str) -> RawRecord:
    key = cid.encode()
    body = {"event_id": eid, "customer_id": cid, "type": "salary.changed",
            "occurred_at": f"2026-06-{day:02d}T09:00:00+08:00", "schema_version": 1,
            "data": {"monthly_income": income, "currency": "CNY"}}
    return RawRecord("in", default_partition(key, 4), offset, None, key,
                     json.dumps(body).encode())


def batch() -> list[RawRecord]:
    """Three customers, two events each, interleaved: outputs of every kind."""
    out = []
    for n, (day, income) in enumerate([(1, "25000.00"), (2, "9000.00")]):
        for c in range(3):
            cid = f"C00000{c + 1}"
            out.append(customer_record(cid, 2 * c + n, f"{cid}-e{n}", day, income))
    return out


class CrashOnWrite(dict[bytes, bytes]):
    """A table that crashes on its n-th write (0: the first), once."""

    def __init__(self, broker: Broker, at: int | None) -> None:
        super().__init__()
        self.broker, self.at, self.writes = broker, at, 0

    def __setitem__(self, key: bytes, value: bytes) -> None:
        self.broker.steps.append("table")
        if self.at is not None and self.writes == self.at:
            self.at = None
            raise Crash
        self.writes += 1
        super().__setitem__(key, value)


async def test_a_batch_is_acknowledged_once_then_stored_once_per_customer() -> None:
    broker = Broker()
    table = CrashOnWrite(broker, at=None)
    await processor(table, broker).handle_batch(batch())
    assert broker.steps.count("delivered") == 1
    assert broker.steps[-3:] == ["table"] * 3  # one state write per customer, after the ack
    assert all(s.startswith("send:") for s in broker.steps[:-4])
    latest = [v for topic, v in broker.acked if "customer_id" in v and "tier" in v
              and "event_id" not in v and "alert_id" not in v]
    assert len(latest) == 3  # the compacted topic: each customer's last standing only


async def test_a_crash_in_the_middle_of_storing_a_batch_loses_nothing() -> None:
    """Crash after one customer's state is stored: the redelivered batch finds that
    customer's events duplicates and re-publishes the others' outputs with the same ids."""
    reference, ref_table = Broker(), CrashOnWrite(Broker(), at=None)
    await processor(ref_table, reference).handle_batch(batch())

    broker = Broker()
    table = CrashOnWrite(broker, at=1)
    with pytest.raises(Crash):
        await processor(table, broker).handle_batch(batch())
    first = broker.ids()
    assert set(first) == set(reference.ids())  # all acknowledged before any state
    await processor(table, broker).handle_batch(batch())  # redelivered after restart
    assert set(broker.ids()) == set(first)  # repeats only, with the same ids
    assert dict(table) == dict(ref_table)


async def test_a_batch_redelivered_after_its_states_were_stored_publishes_nothing_new() -> None:
    """Between the state writes and faust's offset commit: every event is a duplicate."""
    broker = Broker()
    table = CrashOnWrite(broker, at=None)
    await processor(table, broker).handle_batch(batch())
    stored, sent = dict(table), len(broker.acked)
    await processor(table, broker).handle_batch(batch())
    assert len(broker.acked) == sent
    assert dict(table) == stored


async def test_a_refused_batch_is_counted_stores_nothing_and_raises() -> None:
    broker, registry = Broker(), CollectorRegistry()

    async def refused() -> None:
        raise ConnectionError("broker unreachable")

    table: dict[bytes, bytes] = {}
    p = Processor(SETTINGS, ActivePolicy(DEFAULT_POLICY), table, broker.send,
                  Metrics.create(registry), lambda: NOW, refused)
    with pytest.raises(ConnectionError):
        await p.handle(record(0, "e-1"))
    assert not table  # decided again on redelivery
    assert registry.get_sample_value("tierstream_send_errors_total") == 1
    assert registry.get_sample_value("tierstream_send_latency_seconds_count") == 0

    p.delivered = broker.delivered
    await p.handle(record(0, "e-1"))
    assert KEY in table
    assert registry.get_sample_value("tierstream_send_latency_seconds_count") == 1
