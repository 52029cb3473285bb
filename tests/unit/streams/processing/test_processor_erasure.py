"""The worker's edge of an erasure: what is deleted, what is sent, what the gauges say."""

from __future__ import annotations

import json

from prometheus_client import CollectorRegistry

from streams.http.customers import CustomerQuery
from streams.http.ownership import PartitionOwners
from streams.http.replies import Request
from streams.processing.processor import Processor
from streams.telemetry.metrics import Metrics
from tests.unit.builders import DEFAULT_POLICY, NOW
from tierstream.history import decode
from tierstream.partitioning import default_partition
from tierstream.pipeline import RawRecord
from tierstream.policy import ActivePolicy
from tierstream.settings import Settings

SETTINGS = Settings(partitions=4, store="memory://", erasures_topic="erasures-t")
CID = "C000001"
KEY = CID.encode()


def record(offset: int, kind: str, at: str, **data: object) -> RawRecord:
    body = {"event_id": f"e{offset}", "customer_id": CID, "type": kind, "occurred_at": at,
            "data": data}
    return RawRecord("in", default_partition(KEY, 4), offset, None, KEY,
                     json.dumps(body).encode())


def salary(offset: int, income: int, at: str) -> RawRecord:
    return record(offset, "salary.changed", at, monthly_income=str(income))


def erase(offset: int, at: str = "2026-03-01T09:00:00Z") -> RawRecord:
    return record(offset, "customer.erased", at, requested_by="dpo", request_id="DSR-9")


class Worker:
    def __init__(self) -> None:
        self.table: dict[bytes, bytes] = {}
        self.due: dict[bytes, bytes] = {}
        self.history: dict[bytes, bytes] = {}
        self.sent: list[tuple[str, bytes | None, bytes | None]] = []
        self.metrics = Metrics.create(CollectorRegistry())
        self.processor = Processor(SETTINGS, ActivePolicy(DEFAULT_POLICY), self.table,
                                   self.send, self.metrics, lambda: NOW, due=self.due,
                                   history=self.history)

    async def send(self, topic: str, key: bytes | None, value: bytes | None,
                   part: int | None, headers: list[tuple[str, bytes]] | None = None) -> None:
        self.sent.append((topic, key, value))


async def known_customer() -> Worker:
    """A worker that knows the customer: state, due entry and history."""
    worker = Worker()
    await worker.processor.handle_batch([
        salary(1, 30_000, "2026-01-01T09:00:00Z"),
        record(2, "tier.override", "2026-01-02T09:00:00Z", tier="A", reason="vip",
               approved_by="rm", expires_at="2026-06-01T00:00:00Z")])
    assert all(KEY in t for t in (worker.table, worker.due, worker.history))
    worker.sent.clear()
    return worker


async def test_an_erasure_deletes_the_state_due_entry_and_history() -> None:
    worker = await known_customer()
    await worker.processor.handle_batch([erase(3)])
    assert KEY not in worker.table
    assert KEY not in worker.due
    assert KEY not in worker.history
    assert [(t, k) for t, k, _ in worker.sent] == [
        (SETTINGS.latest_topic, KEY), ("erasures-t", KEY)]
    assert worker.sent[0][2] is None  # a tombstone
    audit = json.loads(worker.sent[1][2] or b"")
    assert (audit["customer_id"], audit["requested_by"], audit["request_id"]) == (
        CID, "dpo", "DSR-9")
    assert worker.metrics.table_customers._value.get() == 0
    assert worker.metrics.table_state_bytes._value.get() == 0


async def test_an_erasure_of_an_unknown_customer_still_sends_both_records() -> None:
    worker = Worker()
    await worker.processor.handle_batch([erase(1)])
    assert [(t, k, v is None) for t, k, v in worker.sent] == [
        (SETTINGS.latest_topic, KEY, True), ("erasures-t", KEY, False)]
    assert worker.table == worker.due == worker.history == {}


async def test_the_new_customer_s_history_starts_after_the_erasure() -> None:
    worker = await known_customer()
    await worker.processor.handle_batch([
        salary(3, 50_000, "2026-02-01T09:00:00Z"), erase(4),
        salary(5, 5_000, "2026-03-02T09:00:00Z")])
    history = [json.loads(change) for change in decode(worker.history[KEY])]
    assert [h["cause_event_id"] for h in history] == ["e5"]
    assert history[0]["previous"] is None
    assert KEY in worker.table
    # the latest-tier topic gets the new customer's standing, not the tombstone
    latest = [v for t, _, v in worker.sent if t == SETTINGS.latest_topic]
    assert len(latest) == 1
    assert latest[0] is not None
    assert worker.metrics.table_customers._value.get() == 1


def counted(worker: Worker) -> dict[tuple[str, str], float]:
    """The customers each tier and grade gauge counts (zeros left out)."""
    return {next(iter(s.labels.items())): s.value
            for gauge in (worker.metrics.customers_by_tier, worker.metrics.customers_by_grade)
            for m in gauge.collect() for s in m.samples if s.value}


async def test_the_tier_gauges_forget_the_erased_customer_whatever_the_batch_did() -> None:
    worker = await known_customer()
    before = counted(worker)
    await worker.processor.handle_batch([
        record(3, "tier.override", "2026-02-01T09:00:00Z", tier=None, reason="end",
               approved_by="rm"),  # a change of standing in the batch, before the erasure
        erase(4)])
    assert counted(worker) == {}
    await worker.processor.handle_batch([salary(5, 30_000, "2026-01-01T09:00:00Z")])
    assert sorted(counted(worker).values()) == [1, 1]
    assert counted(worker) != before  # no override any more: another tier


async def test_after_an_erasure_as_of_any_time_is_a_404_then_a_new_customer_starts() -> None:
    me = "http://w1:6066"

    async def no_peer(url: str) -> tuple[int, bytes]:
        raise AssertionError("the owner answers itself")

    worker = await known_customer()
    query = CustomerQuery(
        worker.table.get, ActivePolicy(DEFAULT_POLICY),
        PartitionOwners(lambda: {me: {"t": range(4)}}, lambda: [me], me, 4),
        no_peer, lambda: False, history=worker.history.get)

    async def as_of(when: str) -> int:
        path = f"/customers/{CID}"
        reply = await query(Request(path, f"{path}?as_of={when}", {"customer_id": CID},
                                    {"as_of": when}, {}))
        return reply.status

    assert await as_of("2026-01-05T00:00:00Z") == 200  # in force before the erasure
    await worker.processor.handle_batch([erase(3)])
    assert await as_of("2026-01-05T00:00:00Z") == 404  # its history went with it
    await worker.processor.handle_batch([salary(4, 30_000, "2026-04-01T09:00:00Z")])
    assert await as_of("2026-01-05T00:00:00Z") == 404  # before the new customer's first tier
    assert await as_of("2026-04-01T09:00:00Z") == 200
