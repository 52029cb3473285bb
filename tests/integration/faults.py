"""Helpers of the fault tests: a realistic stream, the fault-free reference, the audit.

The reference is what the pure core decides for the same events in the order they
sit on their partitions (`tierstream.core.engine.apply`); the audit reads what the
worker actually left on the broker (the state changelog, the compacted latest-tier
topic, the tier-change and alert topics) and compares. A fault may repeat outputs
(same ids, at-least-once) but must never lose or change one.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import GroupCoordinatorNotAvailableError

from schemas.events import CUSTOMER_EVENT
from streams.kafka.topics import STATE_TABLE, changelog_topic
from tests.integration.harness import REPO, WorkerProcess, free_port, metric_total
from tierstream.core.engine import apply
from tierstream.core.events import from_contract
from tierstream.core.state import CustomerState
from tierstream.demo.generator import generate
from tierstream.policy import load_policy
from tierstream.settings import Settings

Records = list[tuple[bytes | None, bytes]]
NOW = datetime(2026, 12, 31, tzinfo=UTC)
QUIET = {"reevaluation_interval_seconds": 86400.0, "session_timeout_seconds": 10.0}
"""Fault tests compare with event-driven decisions only (no timer pass during a test),
and a killed worker is declared dead after 10 s instead of 60 s."""


def stream(customers: int, prefix: str, seed: int = 11) -> Records:
    return [(r.key, r.value) for r in generate(customers, seed=seed, id_prefix=prefix)]


async def produce_fast(settings: Settings, records: Records) -> None:
    """Send all records in order (idempotent producer, one partition order per key)."""
    producer = AIOKafkaProducer(bootstrap_servers=settings.bootstrap_servers, acks="all",
                                enable_idempotence=True, linger_ms=5)
    await producer.start()
    try:
        futures = [await producer.send(settings.input_topic, v, key=k) for k, v in records]
        for f in futures:
            await f
    finally:
        await producer.stop()


@dataclass
class Reference:
    states: dict[str, CustomerState] = field(default_factory=dict)
    output_ids: set[str] = field(default_factory=set)


def reference(records: Records) -> Reference:
    """The fault-free outcome: the pure core over the events, in input order."""
    policy, ref = load_policy(), Reference()
    for _, value in records:
        ev = from_contract(CUSTOMER_EVENT.validate_json(value))
        decision = apply(ref.states.get(ev.customer_id), ev, policy, NOW)
        ref.states[ev.customer_id] = decision.state
        if decision.tier_change is not None:
            ref.output_ids.add(decision.tier_change.event_id)
        ref.output_ids.update(a.alert_id for a in decision.alerts)
    return ref


async def read_all(settings: Settings, topic: str, committed_only: bool = False) -> list[Any]:
    """Every record of `topic` up to its current end (read_committed: transactions' view)."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.bootstrap_servers, group_id=None, enable_auto_commit=False,
        isolation_level="read_committed" if committed_only else "read_uncommitted",
    )
    await consumer.start()
    try:
        parts = [TopicPartition(topic, p) for p in (consumer.partitions_for_topic(topic)
                                                    or await _partitions(consumer, topic))]
        consumer.assign(parts)
        await consumer.seek_to_beginning(*parts)
        ends = await consumer.end_offsets(parts)
        out: list[Any] = []
        deadline = time.monotonic() + 60
        while [tp for tp in parts if await consumer.position(tp) < ends[tp]]:
            if time.monotonic() > deadline:
                raise AssertionError(f"could not read {topic} to its end")
            batch = await consumer.getmany(timeout_ms=500)
            for msgs in batch.values():
                out.extend(msgs)
        return out
    finally:
        await consumer.stop()


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> set[int]:
    await consumer._client.force_metadata_update()
    return consumer.partitions_for_topic(topic) or set()


async def final_states(settings: Settings) -> dict[str, CustomerState]:
    """The last state written per customer, from the table's changelog topic."""
    last: dict[str, CustomerState] = {}
    changelog = changelog_topic(settings, STATE_TABLE)
    for m in await read_all(settings, changelog, committed_only=True):
        if m.value is not None:
            last[m.key.decode()] = CustomerState.from_json(m.value)
    return last


async def output_ids(settings: Settings, committed_only: bool) -> Counter[str]:
    """How often each tier-change and alert id was published."""
    ids: Counter[str] = Counter()
    for topic, name in ((settings.tier_changes_topic, "event_id"),
                        (settings.alerts_topic, "alert_id")):
        for m in await read_all(settings, topic, committed_only):
            ids[json.loads(m.value)[name]] += 1
    return ids


async def latest_standings(settings: Settings) -> dict[str, tuple[str, str]]:
    last: dict[str, tuple[str, str]] = {}
    for m in await read_all(settings, settings.latest_topic, committed_only=True):
        v = json.loads(m.value)
        last[m.key.decode()] = (v["tier"], v["grade"])
    return last


async def group_offsets(settings: Settings) -> tuple[dict[int, int], dict[int, int]]:
    """(committed, end) offset per input partition; a partition never committed by the
    worker group is absent from the first."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.bootstrap_servers)
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.bootstrap_servers, group_id=None)
    await admin.start()
    await consumer.start()
    try:
        parts = [TopicPartition(settings.input_topic, p) for p in range(settings.partitions)]
        ends = await consumer.end_offsets(parts)
        committed = await admin.list_consumer_group_offsets(settings.app_id, partitions=parts)
        return ({tp.partition: c.offset for tp, c in committed.items() if c.offset >= 0},
                {tp.partition: end for tp, end in ends.items()})
    finally:
        await consumer.stop()
        await admin.close()


async def committed_everything(settings: Settings) -> bool:
    """The worker group has committed every input offset (everything processed). False
    while a fresh broker is still electing the group's coordinator."""
    try:
        committed, ends = await group_offsets(settings)
    except GroupCoordinatorNotAvailableError:
        return False
    return all(committed.get(p, -1) >= end for p, end in ends.items())


async def wait_processed(settings: Settings, workers: list[WorkerProcess],
                         timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while not await committed_everything(settings):
        for w in workers:
            if w.proc.poll() is not None:
                raise AssertionError(f"worker exited:\n{w.log_tail()}")
        if time.monotonic() > deadline:
            raise AssertionError("input not fully processed in time\n"
                                 + "\n".join(w.log_tail(30) for w in workers))
        await asyncio.sleep(0.5)


async def wait_applied(workers: list[WorkerProcess], at_least: int,
                       timeout: float = 120.0) -> None:
    """Until the workers together have applied `at_least` events (their events_applied
    counters; a worker not serving yet counts 0)."""
    deadline = time.monotonic() + timeout
    name = "tierstream_events_applied_total"
    while sum([await metric_total(w.settings, name) for w in workers]) < at_least:
        for w in workers:
            if w.proc.poll() is not None:
                raise AssertionError(f"worker exited:\n{w.log_tail()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"fewer than {at_least} applied:\n{workers[0].log_tail()}")
        await asyncio.sleep(0.1)


def kill_9(worker: WorkerProcess) -> None:
    """SIGKILL: no shutdown, no final commit, no flush."""
    worker.proc.send_signal(signal.SIGKILL)
    worker.proc.wait(30)
    worker.stop()


def assert_same_as_reference(ref: Reference, states: dict[str, CustomerState],
                             latest: dict[str, tuple[str, str]]) -> None:
    assert set(states) == set(ref.states), "customers missing from the changelog"
    wrong = [cid for cid, s in ref.states.items() if states[cid] != s]
    assert not wrong, f"{len(wrong)} customers differ from the fault-free run, e.g. {wrong[:3]}"
    for cid, s in ref.states.items():
        assert latest[cid] == (s.tier, s.grade), cid


@dataclass
class PrivateBroker:
    """A broker of our own (never the shared one), for tests that stop and start it."""

    directory: Path
    port: int = field(default_factory=free_port)
    controller_port: int = field(default_factory=free_port)

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _run(self, command: str) -> None:
        env = {**os.environ, "KAFKA_LOCAL_DIR": str(self.directory),
               "KAFKA_LOCAL_PORT": str(self.port),
               "KAFKA_LOCAL_CONTROLLER_PORT": str(self.controller_port),
               "KAFKA_LOCAL_HEAP": "384m"}
        subprocess.run([str(REPO / "scripts" / "kafka-local.sh"), command], env=env,
                       check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        self._run("start")

    def stop(self) -> None:
        self._run("stop")


@contextmanager
def private_broker(directory: Path) -> Iterator[PrivateBroker]:
    broker = PrivateBroker(directory)
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()
